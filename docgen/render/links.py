"""Cross-links: every backticked name on a page that the project graph resolves becomes a
relative link to its section, and each function section's «Вызывает» / «Вызывается из» block is
filled in from the call graph.

This runs on finished Markdown, once the whole project is known, for model text and offline
text alike: prose was escaped before (a ``[`` from a model is ``\\[``), so a model can never
choose a link target; every link on a page comes from here or from the templates. It runs again
on a carried page (unchanged source, read from disk) when the graph around it changed:
:func:`unlink` takes back what :func:`link` added, so the two are a round trip.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache

from docgen.extract.graph import ProjectGraph
from docgen.extract.symbols import module_symbols
from docgen.model import Doc, ModuleDoc, ModuleInfo, ModuleSymbols, Page, PageKind, Target
from docgen.render.markdown import fenced

__all__ = [
    "ENTRY_MARKS",
    "GRAPH_MARK",
    "chosen_entry",
    "fill_blocks",
    "fill_blocks_utf8",
    "graph_mark",
    "href",
    "link",
    "page_symbols",
    "unlink",
]

GRAPH_MARK = "<!-- docgen:graph {uid} -->"
ENTRY_MARKS = ("<!-- docgen:entry -->", "<!-- /docgen:entry -->")  # around a usage example
_ENTRY_BLOCK = re.compile(
    re.escape(ENTRY_MARKS[0]) + r"\n.*?\n" + re.escape(ENTRY_MARKS[1]), re.DOTALL
)
_GRAPH_END = "<!-- /docgen:graph -->"
# A block's mark, at a line's start, and what fills it. The pattern begins with a plain "<" (the
# line start is checked behind it) so the regex engine skips ahead in C: anchored with ``^`` it
# tried the pattern at every character of every page (2x slower over the standard library's)
_GRAPH_BLOCK = re.compile(
    r"<(?<![^\n]<)!-- docgen:graph (?P<uid>[^ ]+) -->\n(?:(?:(?!<!-- docgen:graph ).*\n)*?"
    r"<!-- /docgen:graph -->\n)?"
)
# A code span: its opening backticks (group 1 holds all but the first), its body (group 2). It
# starts with the backtick itself, the check that no "\\" or "`" comes before it behind that:
# with the lookbehind in front the engine tried the pattern at every character of a line
_SPAN = re.compile(r"`(?<![\\`]`)(`*)(?!`)(.+?)(?<!`)`\1(?!`)")
_NAME = re.compile(r"\.*[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*(?:\(\))?")
_LINKED = re.compile(r"\[(`[^`\n]+`)\]\([^)\s]*\)")
_HEADING_ID = re.compile(r'^#+ <a id="([\w.\-]+)"></a>', re.MULTILINE)
_HEADING_IDS = re.compile(r'\n#+ <a id="([\w.\-]+)"></a>')  # in "\n" + page: 4x faster than ^
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
# In "\n" + page: the start of a line link() has to look at (a fence, a heading, a comment, or a
# backtick anywhere in it); the others are copied as they are. Matched from the "\n" before the
# line, so the regex engine skips to each line in C, and the lines of a code block (four in ten
# of a reference page's) are passed in one search for the closing fence. With the span pattern
# and the per-page names below, the standard library's pages link in 2.9 s instead of 3.5 s
_NOTABLE = re.compile(r"\n(?=[^\S\n]*(?:`{3}|~{3}|#|<!--)|[^\n`]*`)")
_VARIANT = re.compile(r"-\d+$")

# uid -> the rendered block for it ("" for none), given the page's path
Blocks = Callable[[str, str], str]


def page_symbols(
    module: ModuleInfo, pages: Sequence[Page], docs: Mapping[str, Doc] | None = None
) -> ModuleSymbols:
    """The graph record of ``module``, with the anchors its reference page really has and the
    usage examples its usage note may choose among (its doc's ``entries``, as fenced)."""
    by_kind = {p.kind: p for p in pages}
    reference = by_kind[PageKind.REFERENCE]
    sym = module_symbols(module, reference=reference.rel_path,
                         usage=by_kind[PageKind.USAGE].rel_path,
                         anchors=set(_HEADING_IDS.findall("\n" + reference.text)))  # fmt: skip
    doc = (docs or {}).get(module.uid)
    if (
        isinstance(doc, ModuleDoc)
        and doc.entries
        and ENTRY_MARKS[0] in by_kind[PageKind.USAGE].text
    ):
        entries = tuple((name, fenced(e.code, e.lang)) for name, e in doc.entries)
        sym = dataclasses.replace(sym, entries=entries)
    return sym


def chosen_entry(text: str, graph: ProjectGraph, module: str) -> tuple[str, set[str]]:
    """A usage note's example, the entry other modules call most (by their calls, then by its
    position), and the modules that choice depends on."""
    sym = graph.modules.get(module)
    found = _ENTRY_BLOCK.search(text)
    if sym is None or not sym.entries or found is None:
        return text, set()
    uses = graph.outside_uses(module)
    ranked = sorted(enumerate(sym.entries), key=lambda e: (-len(uses.get(e[1][0], ())), e[0]))
    depends = {m for name, _ in sym.entries for m in uses.get(name, ())}
    block = f"{ENTRY_MARKS[0]}\n{ranked[0][1][1]}\n{ENTRY_MARKS[1]}"
    return text[: found.start()] + block + text[found.end() :], depends


def graph_mark(uid: str) -> str:
    """The line a function section carries where its call-graph block goes."""
    return GRAPH_MARK.format(uid=uid)


def href(target: Target, page: str) -> str:
    """The relative link from ``page`` to where ``target`` is documented."""
    if target.page == page:
        return f"#{target.anchor}" if target.anchor else ""
    path = _relative(target.page, page)
    return f"{path}#{target.anchor}" if target.anchor else path


@lru_cache(maxsize=65536)
def _relative(path: str, page: str) -> str:
    """``posixpath.relpath(path, dirname(page))`` for the site's own paths (relative, already
    normal), without its two ``abspath`` calls: those were a tenth of linking a big site."""
    start, target = page.split("/")[:-1], path.split("/")
    if any(part in ("", ".", "..") for part in start + target):  # odd: the library decides
        return posixpath.relpath(path, posixpath.dirname(page) or ".")
    common = 0
    for a, b in zip(start, target, strict=False):
        if a != b:
            break
        common += 1
    return "/".join([".."] * (len(start) - common) + target[common:]) or "."


def link(
    text: str, *, page: str, module: str, graph: ProjectGraph, blocks: Blocks | None = None
) -> tuple[str, set[str]]:
    """``text`` (the Markdown of ``page``, a page of ``module``) with resolvable names linked,
    and the other modules it now points into; with ``blocks``, its call-graph blocks filled in
    too (:func:`fill_blocks`). Fenced code, headings, comments and links stay as they are. The
    blocks are to be bare marks, as pages are rendered and as :func:`unlink` leaves them: they
    are filled after the names, so nothing in them is linked again. Names need the graph's
    symbol table only (not its calls), blocks need its calls."""
    depends: set[str] = set()
    linked = _linker(page, module, graph)
    pieces: list[str] = []
    last = 0  # text before this offset is in pieces
    scope = ""
    marked = "\n" + text  # a line starting at offset i of text follows the "\n" at marked[i]
    at = 0
    while (found := _NOTABLE.search(marked, at)) is not None:
        start = found.start()
        end = text.find("\n", start)
        end = len(text) if end == -1 else end
        at = end + 1
        line = text[start:end]
        opened = _FENCE.match(line)
        if opened:  # skip to the line closing the fence: nothing inside is linked
            closing = _closing(opened.group(1)).search(marked, at)
            if closing is None:
                break
            end = text.find("\n", closing.start())
            at = len(text) + 1 if end == -1 else end + 1
            continue
        stripped = line.lstrip()
        if stripped.startswith("#"):
            heading = _HEADING_ID.search(line)
            scope = _scope(graph, module, heading.group(1)) if heading else ""
        elif not stripped.startswith("<!--"):
            changed = _link_line(line, scope, depends, linked)
            if changed is not line:
                pieces += (text[last:start], changed)
                last = end
    if pieces:
        pieces.append(text[last:])
        text = "".join(pieces)
    if blocks is not None:
        text, filled = fill_blocks(text, page=page, module=module, graph=graph, blocks=blocks)
        depends |= filled
    depends.discard(module)
    return text, depends


def fill_blocks(
    text: str, *, page: str, module: str, graph: ProjectGraph, blocks: Blocks
) -> tuple[str, set[str]]:
    """``text`` with each call-graph block (a bare mark, or one filled before) filled in from
    the graph's calls by ``blocks``, and the other modules the blocks point into."""
    depends: set[str] = set()
    text = _GRAPH_BLOCK.sub(lambda m: _block(m.group("uid"), page, graph, blocks, depends), text)
    depends.discard(module)
    return text, depends


_MARK_START = GRAPH_MARK.partition("{")[0].encode()
_MARK_END = GRAPH_MARK.rpartition("}")[2].encode() + b"\n"


def fill_blocks_utf8(
    data: bytes, *, page: str, module: str, graph: ProjectGraph, blocks: Blocks
) -> tuple[bytes, set[str]]:
    """:func:`fill_blocks` for a page as rendered, in UTF-8: its marks found with
    ``bytes.find``, so the page is neither decoded nor searched by the block pattern. The run
    fills blocks in its main process while the linkers work, where this is the critical path:
    on the standard library's 93 MB of pages 0.65 s instead of 0.9 s (decoding, the pattern,
    encoding), the same bytes on every page. A page with a filled block in it goes through
    :func:`fill_blocks`."""
    if _GRAPH_END.encode() in data:
        text, depends = fill_blocks(
            data.decode("utf-8"), page=page, module=module, graph=graph, blocks=blocks
        )
        return text.encode("utf-8"), depends
    depends: set[str] = set()
    pieces: list[bytes] = []
    last = at = 0
    while (start := data.find(_MARK_START, at)) != -1:
        at = start + len(_MARK_START)
        space = data.find(b" ", at)
        at_line_start = not start or data[start - 1] == 10  # b"\n"
        if space <= at or not at_line_start or not data.startswith(_MARK_END, space):
            continue  # not a mark at a line's start, as the block pattern has it
        uid = data[at:space].decode("utf-8")
        at = space + len(_MARK_END)
        pieces += (data[last:start], _block(uid, page, graph, blocks, depends).encode("utf-8"))
        last = at
    depends.discard(module)
    if not pieces:
        return data, depends
    pieces.append(data[last:])
    return b"".join(pieces), depends


@lru_cache(maxsize=64)
def _closing(fence: str) -> re.Pattern[str]:
    """A line closing a fence opened with ``fence``: the same character, at least as many."""
    return re.compile(r"\n[^\S\n]*" + re.escape(fence[0]) + f"{{{len(fence)}}}")


def unlink(text: str) -> str:
    """``text`` with what :func:`link` added taken back: names unlinked, blocks emptied."""
    text = _GRAPH_BLOCK.sub(lambda m: graph_mark(m.group("uid")) + "\n", text)
    return _LINKED.sub(lambda m: m.group(1), text)


def _block(uid: str, page: str, graph: ProjectGraph, blocks: Blocks, depends: set[str]) -> str:
    """The block of ``uid`` on ``page``, its mark first; the modules it points into are
    added to ``depends``."""
    depends.update(t.module for t in graph.callees(uid))
    depends.update(c.module for c, _, _ in graph.callers(uid))
    if ":" not in uid:  # a module's block: its imports both ways
        depends.update(graph.imports(uid) + graph.imported_by(uid))
    body = blocks(uid, page).strip("\n")
    if not body:
        return graph_mark(uid) + "\n"
    return f"{graph_mark(uid)}\n\n{body}\n\n{_GRAPH_END}\n"


def _scope(graph: ProjectGraph, module: str, anchor: str) -> str:
    """The qualname a section's names are read in: a method's or function's own; for a class,
    its ``__init__`` (so ``self.x`` means the class's ``x``)."""
    qualname = _VARIANT.sub("", anchor)
    target = graph.targets.get(f"{module}.{qualname}")
    if target is None:
        return ""
    return f"{qualname}.__init__" if target.kind == "class" else qualname


def _link_line(
    line: str,
    scope: str,
    depends: set[str],
    linked: Callable[[str, str], tuple[str, str] | None],
) -> str:
    pieces: list[str] = []
    last = 0
    for span in _SPAN.finditer(line):
        if span.group(1):  # two backticks or more: code that holds one, never a name
            continue
        found = linked(span.group(2), scope)
        if found is None:
            continue
        start, end = span.span()
        if line[start - 1 : start] == "[" and line[end : end + 2] == "](":
            continue  # already a link
        depends.add(found[1])
        pieces.append(line[last:start])
        pieces.append(found[0])
        last = end
    if not pieces:
        return line
    pieces.append(line[last:])
    return "".join(pieces)


def _linker(
    page: str, module: str, graph: ProjectGraph
) -> Callable[[str, str], tuple[str, str] | None]:
    """For one page: a code span's body, read in ``scope``, to its link and the module it
    points into (None: left as it is). Worked out once per name and scope on the page: a
    reference page names the same parameters, types and functions over and over."""
    memo: dict[tuple[str, str], tuple[str, str] | None] = {}

    def linked(body: str, scope: str) -> tuple[str, str] | None:
        key = (body, scope)
        if key not in memo:
            memo[key] = _link_of(body, scope, page, module, graph)
        return memo[key]

    return linked


def _link_of(
    body: str, scope: str, page: str, module: str, graph: ProjectGraph
) -> tuple[str, str] | None:
    if not _NAME.fullmatch(body):
        return None
    target = graph.resolve(module, body, scope)
    if target is None:
        return None
    if target.module == module and (target.qualname == scope or target.kind == "data"):
        return None  # the section itself, or a name of this module with no section
    if target.kind == "data" and not target.anchor and target.page == page:
        return None
    url = href(target, page)
    return (f"[`{body}`]({url})", target.module) if url else None
