"""What a writer is told about a unit beyond its own source, and the cache key that covers it.

Today the context is the module's own docstring and the signatures of the functions and methods
of the same module that the unit calls. The coming project-wide call graph plugs in here
(callers, callees in other modules, callee-first order) without touching the writers: they only
see :class:`~docgen.model.UnitContext`.

The context deliberately holds nothing a model wrote: a unit's cache key (:func:`doc_key`)
covers its context, so re-documenting one unit must never change the context of another.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from docgen.extract.outline import outline
from docgen.markup import signature
from docgen.model import ClassInfo, FunctionInfo, ModuleInfo, Unit, UnitContext
from docgen.store.keys import canonical, sha256_text

__all__ = ["context_hash", "contexts", "doc_key", "unit_hash", "units_of"]

KEY_FORMAT = 1  # bump when doc_key / unit_hash / context_hash change meaning


def units_of(module: ModuleInfo) -> Iterator[Unit]:
    """Every unit of a module: the module, then its classes, then all functions and methods."""
    yield module
    yield from module.all_classes()
    yield from module.all_functions()


def _callees(unit: Unit, index: dict[str, FunctionInfo]) -> tuple[str, ...]:
    if isinstance(unit, FunctionInfo):
        calls = unit.calls
        owner = unit.qualname.rpartition(".")[0]
    elif isinstance(unit, ModuleInfo):
        calls = unit.calls + (unit.main_block.calls if unit.main_block else ())
        owner = ""
    else:
        return ()
    found: dict[str, str] = {}
    for call in calls:
        name = call.name
        if owner and name.startswith(("self.", "cls.")):
            name = f"{owner}.{name.split('.', 1)[1]}"
        target = index.get(name)
        if target is not None and target.uid != unit.uid:
            found.setdefault(target.qualname, signature(target, qualified=True))
    return tuple(found.values())


def contexts(module: ModuleInfo, *, lang: str) -> Iterator[tuple[Unit, UnitContext]]:
    """Each unit of ``module`` with its context."""
    index: dict[str, FunctionInfo] = {}
    for function in module.all_functions():
        index.setdefault(function.qualname, function)
    classes: dict[str, ClassInfo] = {c.qualname: c for c in module.all_classes()}
    for qualname, cls in classes.items():
        init = index.get(f"{qualname}.__init__")
        if init is not None:  # calling the class runs its __init__
            index.setdefault(cls.qualname, init)
    overview = module.docstring or ""
    for unit in units_of(module):
        context = UnitContext(
            module=module, lang=lang, module_overview=overview, callees=_callees(unit, index)
        )
        yield unit, context


# --------------------------------------------------------------------------------------------
# cache keys of written docs


def unit_hash(unit: Unit) -> str:
    """sha256 of what a unit's doc depends on in its own source.

    A function: its whole source. A class or a module: its outline, the source with every
    function and method body left out (signatures and docstrings stay), so editing one body
    changes only that function's hash.
    """
    if isinstance(unit, FunctionInfo):
        return sha256_text("function\0" + unit.source)
    if isinstance(unit, ClassInfo):
        return sha256_text("class\0" + outline(unit))
    if isinstance(unit, ModuleInfo):
        return sha256_text("module\0" + outline(unit))
    raise TypeError(f"not a unit: {type(unit).__name__}")


_CONTEXT_FIELDS = tuple(f.name for f in dataclasses.fields(UnitContext) if f.name != "module")


def context_hash(context: UnitContext) -> str:
    """sha256 of the context fields that go into a prompt: every field but ``module``.

    New fields of :class:`UnitContext` are included automatically; the module itself is not
    (a unit's own text is covered by :func:`unit_hash`).
    """
    return sha256_text(
        "".join([f"{name}={canonical(getattr(context, name))}" for name in _CONTEXT_FIELDS])
    )


def doc_key(unit: Unit, context: UnitContext, *, prompt_version: str, model: str) -> str:
    """The cache key of a unit's answer: sha256 of a canonical text of every input of it (the
    unit's own text, its context, the prompt version, the model and the language)."""
    fields = (unit.uid, unit_hash(unit), context_hash(context), prompt_version, model, context.lang)
    return sha256_text(f"k{KEY_FORMAT}" + "".join([f"s{len(f)}:{f}" for f in fields]))
