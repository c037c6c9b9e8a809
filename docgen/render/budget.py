"""Pages within a size budget: a module too big to show whole is shown shortened, so the site
builds (MkDocs needs minutes for a page of megabytes, and a reader cannot use one).

A page over the budget is rendered again *compact*: each function and class keeps its heading,
signature and purpose, and loses its steps, flow diagram and examples; long code (a script's
text, a ``__main__`` block, a usage example) keeps its first lines. When even that is too big,
only the first top-level definitions are shown, as many as fit, and the page says how many were
left out. The words for that are the templates'; this module only reduces the records.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from docgen.model import (
    ClassDoc,
    ClassInfo,
    Doc,
    FunctionDoc,
    FunctionInfo,
    ModuleInfo,
)

__all__ = ["SHOWN_CODE_LINES", "compact", "cut", "definitions", "shorten_code"]

SHOWN_CODE_LINES = 60  # of a script, a __main__ block or a usage example on a compact page
SHOWN_STEPS = 12  # of a module's usage steps on a compact page


def shorten_code(code: str, lines: int = SHOWN_CODE_LINES) -> str:
    """The first ``lines`` lines of ``code``, and a last line ``# …`` when there were more."""
    parts = code.splitlines()
    if len(parts) <= lines:
        return code
    return "\n".join([*parts[:lines], "# …"])


def _compact_function(fn: FunctionInfo) -> FunctionInfo:
    return dataclasses.replace(fn, flow=())


def _compact_class(cls: ClassInfo) -> ClassInfo:
    return dataclasses.replace(
        cls,
        methods=tuple(_compact_function(m) for m in cls.methods),
        classes=tuple(_compact_class(c) for c in cls.classes),
    )


def _compact_doc(doc: Doc) -> Doc:
    if isinstance(doc, FunctionDoc):
        return dataclasses.replace(doc, steps=(), examples=())
    if isinstance(doc, ClassDoc):
        return dataclasses.replace(doc, examples=())
    example = doc.usage_example
    if example is not None:
        example = dataclasses.replace(example, code=shorten_code(example.code))
    return dataclasses.replace(doc, steps=doc.steps[:SHOWN_STEPS], usage_example=example)


def compact(module: ModuleInfo, docs: Mapping[str, Doc]) -> tuple[ModuleInfo, dict[str, Doc]]:
    """The module and docs as a compact page shows them (see the module doc)."""
    main = module.main_block
    if main is not None:
        main = dataclasses.replace(main, source=shorten_code(main.source), flow=())
    reduced = dataclasses.replace(
        module,
        source=shorten_code(module.source),
        main_block=main,
        functions=tuple(_compact_function(f) for f in module.functions),
        classes=tuple(_compact_class(c) for c in module.classes),
    )
    return reduced, {uid: _compact_doc(doc) for uid, doc in docs.items()}


def definitions(module: ModuleInfo) -> int:
    """How many definitions (classes, functions, methods) the module has."""
    return len(module.all_classes()) + len(module.all_functions())


def cut(module: ModuleInfo, share: float) -> tuple[ModuleInfo, int]:
    """The module with only the first ``share`` of its definitions at each level (top-level
    ones, and each kept class's methods and nested classes), in source order, at least one of
    each; and how many definitions that left out."""

    def first(items: tuple) -> tuple:
        return items[: max(1, int(len(items) * share))] if items else ()

    def fewer(cls: ClassInfo) -> ClassInfo:
        inner = tuple(fewer(c) for c in first(cls.classes))
        return dataclasses.replace(cls, methods=first(cls.methods), classes=inner)

    ordered = sorted([*module.classes, *module.functions], key=lambda unit: unit.line_start)
    kept = {id(unit) for unit in first(tuple(ordered))}
    reduced = dataclasses.replace(
        module,
        functions=tuple(f for f in module.functions if id(f) in kept),
        classes=tuple(fewer(c) for c in module.classes if id(c) in kept),
    )
    return reduced, definitions(module) - definitions(reduced)
