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
import pickle
import zlib
from collections.abc import Iterable, Iterator, Mapping

from docgen.extract import fingerprint
from docgen.extract.graph import ProjectGraph
from docgen.model import ManifestEntry, ModuleSymbols, Page, dump_records
from docgen.render.links import link
from docgen.render.renderer import Renderer
from docgen.store.cache import Cache
from docgen.store.keys import canonical_hash

__all__ = ["Held", "SymbolStore", "affected", "linked"]


class Held:
    """This run's pages until the graph is complete, compressed, with their modules' records."""

    def __init__(self) -> None:
        self._pages: list[tuple[Page, bytes]] = []
        self.symbols: dict[str, ModuleSymbols] = {}

    def add(self, pages: Iterable[Page], symbols: ModuleSymbols | None) -> None:
        for page in pages:
            blob = zlib.compress(page.text.encode("utf-8"), 1)
            self._pages.append((dataclasses.replace(page, text=""), blob))
        if symbols is not None:
            self.symbols[symbols.module] = symbols

    def __iter__(self) -> Iterator[Page]:
        while self._pages:  # handed out once: memory goes as pages are written
            page, blob = self._pages.pop(0)
            yield dataclasses.replace(page, text=zlib.decompress(blob).decode("utf-8"))

    def __len__(self) -> int:
        return len(self._pages)


def linked(page: Page, graph: ProjectGraph, renderer: Renderer) -> Page:
    """``page`` with its names linked and its call-graph blocks filled in."""
    text, depends = link(
        page.text,
        page=page.rel_path,
        module=page.module,
        graph=graph,
        blocks=lambda uid, where: renderer.call_graph(graph, uid, where),
    )
    return dataclasses.replace(page, text=text, depends=tuple(sorted(depends)))


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

    def put(self, records: Iterable[tuple[str, ModuleSymbols]]) -> None:
        """Store records, each under the hash of the source it was made from."""
        rows = [
            (self._key(sym.module, source_hash), zlib.compress(dump_records(sym), 1))
            for source_hash, sym in records
        ]
        self.cache.put_module_blobs(rows)

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
