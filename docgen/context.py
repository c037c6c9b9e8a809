"""What a writer is told about a unit beyond its own source: the project around it.

Today that is the module's own docstring and the signatures of the functions and methods of the same
module that the unit calls. The coming project-wide call graph plugs in here (callers, callees in
other modules, callee-first order) without touching the writers: they only see
:class:`~docgen.write.base.UnitContext`.

The context deliberately holds nothing a model wrote: a unit's cache key depends on its context, so
re-documenting one unit must never change the context of another.
"""

from __future__ import annotations

from collections.abc import Iterator

from docgen.model import ClassInfo, FunctionInfo, ModuleInfo, ParamKind, Unit
from docgen.write.base import UnitContext

_STARS = {ParamKind.VAR_POSITIONAL: "*", ParamKind.VAR_KEYWORD: "**"}


def signature(function: FunctionInfo) -> str:
    """A one-line ``def`` signature as it reads in code (annotations and defaults kept)."""
    parts: list[str] = []
    saw_keyword_only_marker = False
    for i, param in enumerate(function.params):
        if param.kind is ParamKind.KEYWORD_ONLY and not saw_keyword_only_marker:
            parts.append("*")
            saw_keyword_only_marker = True
        if param.kind is ParamKind.VAR_POSITIONAL:
            saw_keyword_only_marker = True
        text = _STARS.get(param.kind, "") + param.name
        if param.annotation:
            text += f": {param.annotation}"
        if param.default is not None:
            text += f" = {param.default}" if param.annotation else f"={param.default}"
        parts.append(text)
        last_positional_only = param.kind is ParamKind.POSITIONAL_ONLY and (
            i + 1 == len(function.params)
            or function.params[i + 1].kind is not ParamKind.POSITIONAL_ONLY
        )
        if last_positional_only:
            parts.append("/")
    prefix = "async def" if function.is_async else "def"
    returns = f" -> {function.returns}" if function.returns else ""
    return f"{prefix} {function.qualname}({', '.join(parts)}){returns}"


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
        if target is not None and target.uid != getattr(unit, "uid", None):
            found.setdefault(target.qualname, signature(target))
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
        yield (
            unit,
            UnitContext(
                module=module, lang=lang, module_overview=overview, callees=_callees(unit, index)
            ),
        )
