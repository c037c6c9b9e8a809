"""The project-wide step of rendering: pages wait until every module's graph record is in, then
get their links and call-graph blocks (:mod:`docgen.render.links`).

- :class:`Held` keeps this run's pages (zlib-compressed: the standard library's pages are a few
  hundred megabytes of text, a tenth of that compressed) and the modules' graph records.
- :class:`SymbolStore` keeps each module's record in the cache, keyed by its source, so a
  partial rerun builds the whole graph without reading an unchanged file.
- :func:`affected` says which carried pages (unchanged modules) must be linked again because
  the graph around them changed; their text is taken from disk, not re-rendered.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import pickle
import signal
import threading
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from docgen.extract import fingerprint
from docgen.extract.graph import ProjectGraph
from docgen.markup import inline_code, items_shown
from docgen.model import (
    Listed,
    ManifestEntry,
    ModuleSymbols,
    Page,
    PageKind,
    Target,
    pack_records,
)
from docgen.render.links import chosen_entry, fill_blocks, fill_blocks_utf8, href, link
from docgen.render.renderer import Renderer
from docgen.store.cache import Cache
from docgen.store.keys import canonical_hash

__all__ = [
    "Held",
    "SymbolStore",
    "affected",
    "call_graph",
    "link_all",
    "linked",
    "pack_text",
]


class Held:
    """This run's pages until the graph is complete, compressed, with their modules' records."""

    def __init__(self) -> None:
        self._pages: list[tuple[Page, bytes]] = []
        self.symbols: dict[str, ModuleSymbols] = {}

    def add(
        self, pages: Iterable[Page], symbols: ModuleSymbols | None, packed: Iterable[bytes] = ()
    ) -> None:
        """Hold ``pages`` (``packed``: their texts packed already, the pages' own empty)."""
        pages = tuple(pages)
        blobs = tuple(packed) or tuple(pack_text(page.text) for page in pages)
        for page, blob in zip(pages, blobs, strict=True):
            self._pages.append((dataclasses.replace(page, text=""), blob))
        if symbols is not None:
            self.symbols[symbols.module] = symbols

    def __iter__(self) -> Iterator[Page]:
        for page, blob in self.take():
            yield _restore(page, blob)

    def take(self) -> list[tuple[Page, bytes]]:
        """The pages (text compressed apart), handed out once."""
        pages, self._pages = self._pages, []
        return pages

    def __len__(self) -> int:
        return len(self._pages)


def pack_text(text: str) -> bytes:
    """A page's text as it is held until linking (:func:`_restore` reads it back)."""
    return zlib.compress(text.encode("utf-8"), 1)


def _restore(page: Page, blob: bytes) -> Page:
    return dataclasses.replace(page, text=zlib.decompress(blob).decode("utf-8"))


PARALLEL_FROM = 300  # pages: fewer are linked here (a pool costs more than it saves)
# what forked linkers inherit: the graph, the renderer, and the modules a package page lists
_SHARED: tuple[ProjectGraph, Renderer, Sequence[Listed]] | None = None


def link_all(
    held: Held, graph: ProjectGraph, renderer: Renderer, jobs: int, listed: Sequence[Listed] = ()
) -> Iterator[tuple[Page, bytes]]:
    """Every held page, linked, as its record (text left out) and its text in UTF-8, ready to
    be written: on ``jobs`` forked processes for a big site (they inherit the graph instead of
    receiving it; the standard library's 3,400 pages take 18 s on one core), else here. A
    package's page gets the modules under it from ``listed`` (:meth:`Renderer.with_subtree`).
    Pages come back as they are done.

    The linkers link names, which needs the graph's symbol table only; here, meanwhile, the
    graph's calls are built (:meth:`ProjectGraph.add_calls`), then each page's call-graph
    blocks and usage example are filled in as it comes back: on the standard library the
    whole step took 4.0 s so, against 4.3 s with the calls built before the linkers started
    and the blocks filled there (the same pages). Pages come back as bytes, not
    compressed again: compressing there and inflating and decoding here cost 2.8 s of CPU over
    the standard library's 93 MB of pages."""
    global _SHARED
    items = held.take()
    parallel = (
        jobs > 1
        and len(items) >= PARALLEL_FROM
        and "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1  # forking a threaded process is not safe
    )
    if not parallel:
        for item in items:
            page = _names_linked(_restore(*item), graph, renderer, listed)
            yield _encoded(_calls_filled(page, graph, renderer))
        return
    _SHARED = (graph, renderer, listed)
    pool = multiprocessing.get_context("fork").Pool(jobs, initializer=_default_sigterm)
    try:
        # pages go out in batches: the pool's work per message (a pickle, a queue, a wake-up on
        # each side) made linking the standard library's 3,390 pages take 2.6-2.9 s in batches
        # of 8, 2.1 s in batches of about 50
        batch = max(8, len(items) // (jobs * 32))
        done = pool.imap_unordered(_link_blob, items, chunksize=batch)
        graph.add_calls()  # while the linkers work
        for page, data in done:
            yield _calls_filled_utf8(page, data, graph, renderer)
        pool.close()  # every page is back: the linkers end on their own
        pool.join()
    finally:
        pool.terminate()  # an interrupted run (after a clean close: nothing left to end)
        pool.join()
        _SHARED = None


def _default_sigterm() -> None:
    """In a forked linker: SIGTERM ends it quietly. It inherits the CLI's handler, which
    turns SIGTERM into KeyboardInterrupt, and a pool ends its workers with SIGTERM: without
    this a linker still in its loop printed a traceback."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _link_blob(item: tuple[Page, bytes]) -> tuple[Page, bytes]:
    """In a forked linker: one page's names, compressed in, encoded out."""
    assert _SHARED is not None
    return _encoded(_names_linked(_restore(*item), *_SHARED))


def _names_linked(
    page: Page, graph: ProjectGraph, renderer: Renderer, listed: Sequence[Listed]
) -> Page:
    """``page`` with its names linked (and a package's subtree listed after them)."""
    text, depends = link(page.text, page=page.rel_path, module=page.module, graph=graph)
    page = dataclasses.replace(page, text=text, depends=tuple(sorted(depends)))
    return renderer.with_subtree(page, listed, graph) if _is_package_index(page) else page


def _calls_filled(page: Page, graph: ProjectGraph, renderer: Renderer) -> Page:
    """``page`` with its call-graph blocks filled in, and a usage note's example the entry
    other modules call most: what the graph's calls decide."""
    text, chosen_by = page.text, set()
    if page.kind is PageKind.USAGE:
        text, chosen_by = chosen_entry(text, graph, page.module)
    text, depends = fill_blocks(text, **_block_filling(page, graph, renderer))
    depends = tuple(sorted({*page.depends, *depends, *chosen_by}))
    return dataclasses.replace(page, text=text, depends=depends)


def _calls_filled_utf8(
    page: Page, data: bytes, graph: ProjectGraph, renderer: Renderer
) -> tuple[Page, bytes]:
    """:func:`_calls_filled` for a page whose text is ``data``, kept in UTF-8 (a usage note,
    whose example is chosen from its text, is decoded)."""
    if page.kind is PageKind.USAGE:
        return _encoded(_calls_filled(_decoded(page, data), graph, renderer))
    data, depends = fill_blocks_utf8(data, **_block_filling(page, graph, renderer))
    return dataclasses.replace(page, depends=tuple(sorted({*page.depends, *depends}))), data


def _block_filling(page: Page, graph: ProjectGraph, renderer: Renderer) -> dict[str, Any]:
    """What :func:`fill_blocks` needs besides the text, for ``page``."""
    return {
        "page": page.rel_path,
        "module": page.module,
        "graph": graph,
        "blocks": lambda uid, where: call_graph(renderer, graph, uid, where),
    }


def _decoded(page: Page, data: bytes) -> Page:
    return dataclasses.replace(page, text=data.decode("utf-8"))


def _is_package_index(page: Page) -> bool:
    """Whether ``page`` is a package's reference page (the one that lists its subtree)."""
    return page.kind is PageKind.REFERENCE and page.rel_path.endswith("/index.md")


def _encoded(page: Page) -> tuple[Page, bytes]:
    return dataclasses.replace(page, text=""), page.text.encode("utf-8")


def linked(page: Page, graph: ProjectGraph, renderer: Renderer) -> Page:
    """``page`` with its names linked and its call-graph blocks filled in (and a usage note's
    example the entry other modules use most)."""
    return _calls_filled(_names_linked(page, graph, renderer, ()), graph, renderer)


def affected(
    graph: ProjectGraph,
    carried: Mapping[str, Iterable[ManifestEntry]],
    changed: set[str],
) -> set[str]:
    """The carried modules whose pages the graph may now link differently: they pointed into a
    changed module (``depends``, recorded when they were linked), import one (directly or
    through a package that does), or are called from one."""
    if not changed:
        return set()
    out: set[str] = set()
    for module, entries in carried.items():
        if any(changed.intersection(e.depends) for e in entries):
            out.add(module)
            continue
        imports = graph.imports(module)
        if changed.intersection(imports):
            out.add(module)
            continue
        if any(graph.modules.get(m) and graph.modules[m].is_package and
               changed.intersection(graph.imports(m)) for m in imports):  # fmt: skip
            out.add(module)
    for module in changed:
        out.update(graph.called_modules(module) & carried.keys())
    return out - changed


class SymbolStore:
    """Graph records in the cache (the parse cache's table, under their own keys)."""

    def __init__(self, cache: Cache, *, fingerprint_: str, page_budget: int) -> None:
        self.cache = cache
        self.mark = canonical_hash(["symbols", fingerprint(), fingerprint_, page_budget])

    def _key(self, module: str, source_hash: str) -> str:
        return canonical_hash([self.mark, module, source_hash])

    def put(self, source_hash: str, symbols: ModuleSymbols, blob: bytes = b"") -> None:
        """Store one module's record under the hash of the source it was made from (``blob``:
        the record packed already, where it was made)."""
        row = (self._key(symbols.module, source_hash), blob or pack_records(symbols))
        self.cache.put_module_blobs([row])

    def get(self, wanted: Mapping[str, str]) -> dict[str, ModuleSymbols]:
        """The stored records of ``wanted`` (module -> source hash); the missing are left out."""
        keys = {self._key(module, sha): module for module, sha in wanted.items()}
        out: dict[str, ModuleSymbols] = {}
        for key, blob in self.cache.get_module_blobs(keys).items():
            try:
                sym = pickle.loads(zlib.decompress(blob))
            except Exception:  # a damaged row: a miss
                continue
            if isinstance(sym, ModuleSymbols) and sym.module == keys[key]:
                out[sym.module] = sym
        return out


CALLERS_SHOWN = 20  # a function called from more places lists these and counts the rest


def call_graph(renderer: Renderer, graph: ProjectGraph, uid: str, page: str) -> str:
    """The «Вызывает» / «Вызывается из» block of unit ``uid`` on ``page``, or for a module
    its project imports both ways ("" when there is nothing to say)."""
    if ":" not in uid:
        return _module_links(renderer, graph, uid, page)
    module = uid.partition(":")[0]
    callees = [(_shown(t, module), href(t, page)) for t in graph.callees(uid)]
    callers = graph.callers(uid)
    keep = items_shown(len(callers), CALLERS_SHOWN)
    shown = [
        (_shown(c, module) if c.qualname else c.module, href(c, page), code)
        for c, _, code in callers[:keep]
    ]
    callees, shown = [c for c in callees if c[1]], [c for c in shown if c[1]]
    if not callees and not shown:
        return ""
    more = len(callers) - keep
    # Written here, not by a macro: a site has thousands of these blocks, and a Jinja macro
    # call costs about 130 µs each (the words still come from the catalog)
    t, out = renderer.catalog.t, []
    if callees:
        names = ", ".join(f"[{inline_code(name)}]({url})" for name, url in callees)
        out.append(f"**{t('ref.calls')}**: {names}.")
    if shown:
        lines = [
            f"- [{inline_code(name)}]({url}): {inline_code(code)}" for name, url, code in shown
        ]
        if more:
            lines.append(f"- {renderer.catalog.plural(more, 'ref.more_callers')}")
        out.append(f"**{t('ref.called_by')}**:\n\n" + "\n".join(lines))
    return "\n\n".join(out)


def _module_links(renderer: Renderer, graph: ProjectGraph, module: str, page: str) -> str:
    def pairs(names: Iterable[str]) -> list[tuple[str, str]]:
        found = (graph.targets.get(n) for n in names)
        return [(t.name, href(t, page)) for t in found if t is not None]

    imports, imported_by = pairs(graph.imports(module)), pairs(graph.imported_by(module))
    if not imports and not imported_by:
        return ""
    t, out = renderer.catalog.t, []
    for key, pairs_ in (("ref.imports", imports), ("ref.imported_by", imported_by)):
        if pairs_:
            names = ", ".join(f"[{inline_code(name)}]({url})" for name, url in pairs_)
            out.append(f"**{t(key)}**: {names}.")
    return "\n\n".join(out)


def _shown(target: Target, module: str) -> str:
    """How a call-graph entry names a unit: its qualname in its own module, else in full."""
    return target.qualname if target.module == module else target.name
