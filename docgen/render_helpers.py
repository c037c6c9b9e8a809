"""Markdown safety and small formatting helpers, used as Jinja filters by the render stage.

Text that comes from code or from a writer (docstrings, defaults, string literals, prose) must be
shown exactly as written: never evaluated by Jinja (values are only ever substituted, never
re-parsed as templates), and never turned into HTML or structure by Markdown. These functions do
the Markdown half: escaping prose outside its code spans, inline code with enough backticks, and
fenced blocks with a fence longer than any backtick run inside. They are plain functions on
strings, so the offline writer uses :func:`inline_code` too.
"""

from __future__ import annotations

import re

from docgen.model import FunctionInfo, ParamKind

__all__ = [
    "escape_prose",
    "fenced",
    "inline_code",
    "link_target",
    "oneline",
    "py_string_body",
    "signature",
    "split_step",
]

_RUN = re.compile(r"`+")
_FENCE_LINE = re.compile(r"^(\s{0,3})(`{3,}|~{3,})")
_SETEXT = re.compile(r"^\s*(=+|-+)\s*$")
_LIST_MARK = re.compile(r"^(\s*)([-+*]|\d{1,9}[.)])(\s+)")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "|": "&#124;"}
_BACKSLASHED = set("\\`*_[]{}")


def _longest_run(text: str, char: str = "`") -> int:
    return max((len(m) for m in re.findall(re.escape(char) + "+", text)), default=0)


def inline_code(text: object) -> str:
    """``text`` as one Markdown code span, on one line, whatever backticks it holds."""
    body = " ".join(str(text).split())
    if not body:
        return "` `"
    ticks = "`" * (_longest_run(body) + 1)
    if body.startswith("`") or body.endswith("`") or ticks != "`":
        return f"{ticks} {body} {ticks}"
    return f"{ticks}{body}{ticks}"


def fenced(text: object, lang: str = "") -> str:
    """A fenced code block holding ``text`` verbatim (no trailing newline after the fence)."""
    body = str(text).rstrip("\n")
    fence = "`" * max(3, _longest_run(body) + 1)
    return f"{fence}{lang}\n{body}\n{fence}"


def _escape_plain(text: str) -> str:
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch in _BACKSLASHED:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def _escape_line(line: str) -> str:
    """Escape one prose line, keeping its well-formed code spans as they are."""
    line = line.strip()
    prefix = ""
    if _FENCE_LINE.match(line) or _SETEXT.match(line) or line.startswith(("#", "=")):
        prefix, line = f"&#{ord(line[0])};", line[1:]  # an entity works in every Markdown
    elif m := _LIST_MARK.match(line):
        prefix, line = m.group(0), line[m.end() :]
    out = []
    pos = 0
    for m in _RUN.finditer(line):
        if m.start() < pos:
            continue
        run = m.group(0)
        if len(run) > 2:  # writers quote code with one or two backticks; longer runs are text
            continue
        close = re.compile(r"(?<!`)" + run + r"(?!`)")
        end = close.search(line, m.end())
        if end is None:
            continue
        out.append(_escape_plain(line[pos : m.start()]))
        out.append(line[m.start() : end.end()])
        pos = end.end()
    out.append(_escape_plain(line[pos:]))
    return prefix + "".join(out)


def escape_prose(text: object) -> str:
    """Prose made safe for Markdown: shown literally except its `code spans` and list markers.

    ``< > &`` become entities, Markdown punctuation (``* _ [ ] | { } \\``, stray backticks) is
    backslash-escaped, and lines that would start a heading, a fence, a quote or a code block are
    neutralised. Paragraph breaks are kept.
    """
    lines = str(text).strip("\n").splitlines()
    return "\n".join(_escape_line(line) for line in lines)


def oneline(text: object, limit: int = 0) -> str:
    """Whitespace collapsed to single spaces; cut to ``limit`` characters with an ellipsis."""
    body = " ".join(str(text).split())
    if limit and len(body) > limit:
        body = body[: limit - 1].rstrip() + "…"
    return body


def py_string_body(text: object) -> str:
    """Text to put inside a triple-quoted Python docstring in a shown signature."""
    return str(text).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


def signature(fn: FunctionInfo) -> str:
    """The ``def`` line of ``fn`` (decorators above it), built from the extracted parameters."""
    parts: list[str] = []
    seen_kw_marker = False
    params = fn.params
    for i, p in enumerate(params):
        if p.kind is ParamKind.KEYWORD_ONLY and not seen_kw_marker:
            parts.append("*")
            seen_kw_marker = True
        if p.kind is ParamKind.VAR_POSITIONAL:
            seen_kw_marker = True
        text = {ParamKind.VAR_POSITIONAL: "*", ParamKind.VAR_KEYWORD: "**"}.get(p.kind, "") + p.name
        if p.annotation:
            text += f": {p.annotation}"
        if p.default is not None:
            text += f" = {p.default}" if p.annotation else f"={p.default}"
        parts.append(text)
        nxt = params[i + 1] if i + 1 < len(params) else None
        if p.kind is ParamKind.POSITIONAL_ONLY and (
            nxt is None or nxt.kind is not ParamKind.POSITIONAL_ONLY
        ):
            parts.append("/")
    head = "async def" if fn.is_async else "def"
    returns = f" -> {fn.returns}" if fn.returns else ""
    lines = [f"@{d}" for d in fn.decorators]
    lines.append(f"{head} {fn.name}{fn.type_params or ''}({', '.join(parts)}){returns}:")
    return "\n".join(lines)


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
