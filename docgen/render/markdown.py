"""Markdown safety and small formatting helpers, used as Jinja filters by the render stage.

Text that comes from code or from a writer (docstrings, defaults, string literals, prose) must be
shown exactly as written: never evaluated by Jinja (values are only ever substituted, never
re-parsed as templates), and never turned into HTML or structure by Markdown. These functions do
the Markdown half: escaping prose outside its code spans, inline code with enough backticks, and
fenced blocks with a fence longer than any backtick run inside. Code spans and one-line text
come from :mod:`docgen.markup`, which the writers share.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from functools import lru_cache

from docgen.markup import inline_code, longest_run
from docgen.model import FlowKind, FlowNode

__all__ = [
    "code_span",
    "escape_prose",
    "fenced",
    "flow_rows",
    "link_target",
    "py_string_body",
    "split_step",
    "tidy",
]

_FENCE_LINE = re.compile(r"^(\s{0,3})(`{3,}|~{3,})")
_SETEXT = re.compile(r"^\s*(=+|-+)\s*$")
_LIST_MARK = re.compile(r"^(\s*)([-+*]|\d{1,9}[.)])(\s+)")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "|": "&#124;"}
_BACKSLASHED = set("\\`*_[]{}")


def fenced(text: object, lang: str = "") -> str:
    """A fenced code block holding ``text`` verbatim (no trailing newline after the fence)."""
    body = str(text).rstrip("\n")
    fence = "`" * max(3, longest_run(body) + 1)
    return f"{fence}{lang}\n{body}\n{fence}"


_PLAIN = str.maketrans({**{ch: "\\" + ch for ch in _BACKSLASHED}, **_ESCAPES})
_SPECIAL = re.compile("[" + re.escape("".join(sorted(_BACKSLASHED | set(_ESCAPES)))) + "]")


def _escape_plain(text: str) -> str:
    # str.translate is slow on non-ASCII text, and most prose holds nothing to escape
    return text.translate(_PLAIN) if _SPECIAL.search(text) else text


# A code span as writers quote it: a run of one or two backticks, then text, then the first run
# of exactly the same length. Longer runs, and runs that are never closed, are text. The body is
# read a whole run of text or of other backticks at a time (possessive: no backtracking).
_SPAN = re.compile(
    r"(?<!`)(?:"
    r"`(?!`)(?:[^`]++|``++)*+`"  # `code`: the body may hold runs of two or more
    r"|``(?!`)(?:[^`]++|`(?!`)|```++)*+``"  # ``code``: runs of one, or of three or more
    r")"
)


# "<!", "<?" and "</" start a declaration, a processing instruction or an end tag for the raw-HTML
# preprocessors of Python-Markdown (MkDocs) and Zensical, which read them even inside code spans
# and crash on "<![" not followed by "CDATA[" (a regex lookbehind "(?<![\w])").
_MARKUP_OPENER = re.compile(r"<[!?/]")
_HTML_CODE = str.maketrans({ch: f"&#{ord(ch)};" for ch in "&<>`*_[]\\|{}~!"})
_BLOCK_MARKS = ("#", "=", "!!!", "???")  # heading, setext rule, admonition, collapsible note


def code_span(text: object) -> str:
    """``text`` as inline code that every Markdown engine reads as such: a Markdown code span,
    or, when the text holds ``<!``, ``<?`` or ``</``, an HTML ``<code>`` element whose every
    special character is an entity (it shows the same)."""
    body = " ".join(str(text).split())
    return _html_code(body) if _MARKUP_OPENER.search(body) else inline_code(body)


def _html_code(body: str) -> str:
    return f"<code>{body.translate(_HTML_CODE)}</code>"


def _safe_span(span: str) -> str:
    """A code span found in prose, as :func:`code_span` would write its text."""
    if not _MARKUP_OPENER.search(span):
        return span
    body = span.strip("`")
    if len(body) > 2 and body.startswith(" ") and body.endswith(" ") and body.strip():
        body = body[1:-1]  # the padding CommonMark strips
    return _html_code(body)


def _escape_line(line: str) -> str:
    """Escape one prose line, keeping its well-formed code spans as they are."""
    line = line.strip()
    prefix = ""
    if _FENCE_LINE.match(line) or _SETEXT.match(line) or line.startswith(_BLOCK_MARKS):
        prefix, line = f"&#{ord(line[0])};", line[1:]  # an entity works in every Markdown
    elif m := _LIST_MARK.match(line):
        prefix, line = m.group(0), line[m.end() :]
    if "`" not in line:
        return prefix + _escape_segment(line)
    out = [prefix]
    pos = 0
    for m in _SPAN.finditer(line):
        out.append(_escape_segment(line[pos : m.start()]))
        out.append(_safe_span(m.group(0)))
        pos = m.end()
    out.append(_escape_segment(line[pos:]))
    return "".join(out)


# *emphasis* and **strong**, as reST and Markdown both write them: kept (their text escaped).
# Not a lone star, "*args", "a * b" or "2*x*y": the marks hug a word on both sides.
_EMPHASIS = re.compile(r"(?<![\w*\\])(\*\*|\*)(?=[^\s*])([^*\n]*?[^\s*\\])\1(?![\w*])")


def _escape_segment(text: str) -> str:
    if "*" not in text:
        return _escape_plain(text)
    out: list[str] = []
    pos = 0
    for m in _EMPHASIS.finditer(text):
        mark = m.group(1)
        out += [_escape_plain(text[pos : m.start()]), mark, _escape_plain(m.group(2)), mark]
        pos = m.end()
    out.append(_escape_plain(text[pos:]))
    return "".join(out)


def escape_prose(text: object) -> str:
    """Prose made safe for Markdown: shown literally except its `code spans` and list markers.

    ``< > &`` become entities, Markdown punctuation (``* _ [ ] | { } \\``, stray backticks) is
    backslash-escaped, and lines that would start a heading, a fence, a quote or a code block are
    neutralised. Paragraph breaks are kept.
    """
    return _escape_text(str(text))


@lru_cache(maxsize=4096)
def _escape_text(text: str) -> str:
    # cached: a module's overview and steps are shown on both of its pages
    lines = text.strip("\n").splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        if _starts_block(lines, i):
            end = i
            while end < len(lines) and (lines[end][:1] in (" ", "\t") or not lines[end].strip()):
                end += 1
            while not lines[end - 1].strip():
                end -= 1
            if out and out[-1]:
                out.append("")
            out += [fenced(textwrap.dedent("\n".join(lines[i:end]))), ""]
            i = end
            continue
        out.append(_escape_line(lines[i]))
        i += 1
    return "\n".join(out).strip("\n")


def _starts_block(lines: list[str], i: int) -> bool:
    """An indented run after a blank line or a line ending in ``:`` (a literal block, a table or
    a list laid out in a docstring): shown as code, so its lines keep their layout."""
    if lines[i][:1] not in (" ", "\t") or not lines[i].strip():
        return False
    return i == 0 or not lines[i - 1].strip() or lines[i - 1].rstrip().endswith(":")


def py_string_body(text: object) -> str:
    """Text to put inside a triple-quoted Python docstring in a shown signature."""
    return str(text).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


def split_step(step: object) -> tuple[str, str]:
    """A usage step ``"Title: text"`` as ``(title, text)``; ``("", step)`` when it has no title.

    A title is the part before the first ``": "`` when it is short and holds no code span.
    """
    text = str(step)
    head, sep, rest = text.partition(": ")
    if sep and rest and "`" not in head and len(head) <= 60 and len(head.split()) <= 6:
        return head, rest
    return "", text


def link_target(path: object) -> str:
    """A Markdown link destination; wrapped in ``<>`` when it holds spaces or parentheses."""
    text = str(path)
    return f"<{text}>" if re.search(r"[\s()<>]", text) else text


_BODY_ONLY = (FlowKind.FOR, FlowKind.WHILE, FlowKind.WITH, FlowKind.TRY)


def flow_rows(
    nodes: Sequence[FlowNode],
    prefix: str = "",
    glyphs: Sequence[str] = ("├─ ", "└─ ", "│  ", "   "),
) -> list[tuple[str, str, str | None, str]]:
    """The control-flow tree as flat rows ``(lead, kind, role, label)``, one per drawn line.

    ``lead`` is the indentation and connector drawn before the line's text, made of the
    template's ``glyphs`` (item, last item, guide, no guide); ``kind`` is the node's
    :class:`FlowKind` value; ``role`` is None on a node's own line and the branch role
    (``"if"``, ``"else"``, ``"except"``…) on a line for one branch of a compound node; ``label``
    is the node's or the branch's label. A node whose only branch is its plain body (a loop,
    ``with`` or ``try`` without handlers) shows that body directly under it. Flattening here
    spares the template a recursive macro call per node; the template draws each line and
    chooses every word.
    """
    item, last_item, guide, no_guide = glyphs
    rows: list[tuple[str, str, str | None, str]] = []

    def walk(body: Sequence[FlowNode], indent: str) -> None:
        for i, node in enumerate(body):
            last = i == len(body) - 1
            inner = indent + (no_guide if last else guide)
            kind = node.kind
            shown = f"async_{kind.value}" if node.is_async else kind.value
            rows.append((indent + (last_item if last else item), shown, None, node.label))
            branches = node.branches
            if len(branches) == 1 and kind in _BODY_ONLY and branches[0].role in ("body", ""):
                walk(branches[0].body, inner)
                continue
            for j, branch in enumerate(branches):
                blast = j == len(branches) - 1
                lead = inner + (last_item if blast else item)
                rows.append((lead, kind.value, branch.role, branch.label))
                walk(branch.body, inner + (no_guide if blast else guide))

    walk(nodes, prefix)
    return rows


_FENCE = re.compile(r"^(`{3,}|~{3,})")


# control characters (C0 but tab and line breaks, DEL, C1) and the bidirectional overrides and
# isolates that can make shown code read differently from what it is ("Trojan Source")
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def tidy(markdown: str) -> str:
    """Collapse runs of blank lines and strip trailing spaces outside fenced blocks; end with one
    newline; remove control characters and bidirectional overrides everywhere. Fenced content is
    otherwise left byte for byte."""
    markdown = _INVISIBLE.sub("", markdown)
    out: list[str] = []
    keep = out.append
    fence = ""
    blank = 0
    for line in markdown.splitlines():
        if fence:
            keep(line)
            if fence in line and line.strip() == fence:
                fence = ""
            continue
        if line.startswith(("```", "~~~")):  # cheap test before the regex
            fence = _FENCE.match(line).group(1)
            blank = 0
            keep(line.rstrip())
            continue
        text = line.rstrip()
        if not text:
            blank += 1
            if blank == 1 and out:
                keep("")
            continue
        blank = 0
        keep(text)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"
