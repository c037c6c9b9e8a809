"""Rendering where the parse happened: a parser worker of an offline run renders its module's
pages, packs them with the module's graph record, and sends them back instead of the module."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from docgen.model import Written, pack_records
from docgen.render.crosslink import pack_text
from docgen.render.links import page_symbols
from docgen.render.renderer import Renderer

__all__ = ["RenderTask"]


class RenderTask:
    """Render one written module where it was written (a parser worker): the pages travel back
    instead of the module and its docs. Sent to each worker once; the renderer is built there on
    first use, so a worker loads the templates once."""

    def __init__(
        self,
        *,
        lang: str,
        templates: str | None,
        page_path: Callable[..., str],
        page_budget: int = 0,
        diagrams: str = "mermaid",
    ) -> None:
        self.diagrams = diagrams
        self.lang = lang
        self.templates = templates
        self.page_path = page_path
        self.page_budget = page_budget
        self._renderer: Renderer | None = None

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        del state["_renderer"]
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state, _renderer=None)

    def __call__(self, written: Written) -> Written:
        if written.module is None:
            return written
        if self._renderer is None:
            self._renderer = Renderer(
                lang=self.lang,
                user_templates=self.templates,
                page_budget=self.page_budget,
                diagrams=self.diagrams,
            )
        pages = self._renderer.pages(written, self.page_path)
        symbols = page_symbols(written.module, pages, written.docs)
        # packed here, not in the parent, which would otherwise decode the standard library's
        # 93 MB of pages from the pipe only to compress them again, on a core the workers need
        return dataclasses.replace(
            written,
            module=None,
            docs={},
            pages=tuple(dataclasses.replace(p, text="") for p in pages),
            packed=tuple(pack_text(p.text) for p in pages),
            symbols=symbols,
            symbols_blob=pack_records(symbols),
        )
