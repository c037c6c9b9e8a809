"""What a writer is told about a unit beyond its own source, and the cache key that covers it.

With the project graph (:class:`~docgen.extract.graph.ProjectGraph`) a unit's context holds the
module's imports; for a method, its class's header, docstring sentence and the attributes
``__init__`` sets; the project functions it calls, from any module (signature and docstring
sentence); the units calling it, with the calling line; for a module, the project modules it
imports and the ones importing it. Without a graph (the offline writer, which needs none):
the signatures of the same-module functions it calls.

The key (:func:`doc_key`) covers every field but ``written_callees``: everything in it comes
from the code. So editing a function's body re-documents that function only; editing a line
that calls a project function also re-documents that callee (its prompt shows the line); a
signature or docstring edit re-documents the callers that show it. Nothing a model wrote
enters a key, so re-documenting one unit never changes another's key.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

from docgen.extract.graph import ProjectGraph
from docgen.extract.outline import outline
from docgen.extract.symbols import first_sentence, init_attributes, module_symbols
from docgen.markup import signature
from docgen.model import (
    ClassInfo,
    FunctionInfo,
    Import,
    ModuleInfo,
    ModuleSymbols,
    Target,
    Unit,
    UnitContext,
)
from docgen.store.keys import canonical, sha256_text

__all__ = [
    "callee_first",
    "context_hash",
    "contexts",
    "doc_key",
    "project_graph",
    "unit_hash",
    "units_of",
]

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


def contexts(
    module: ModuleInfo, *, lang: str, graph: ProjectGraph | None = None
) -> Iterator[tuple[Unit, UnitContext]]:
    """Each unit of ``module`` with its context (richer with the project ``graph``)."""
    if graph is not None and module.name in graph.modules:
        yield from _graph_contexts(module, lang, graph)
        return
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


CALLERS_SHOWN = 12  # callers a prompt lists (the key covers exactly these)


def project_graph(
    modules: Iterable[ModuleInfo], known: Mapping[str, ModuleSymbols] | None = None
) -> ProjectGraph:
    """The graph of ``modules`` and the ``known`` records of the project's other modules (the
    ones a partial run carries), for writing contexts."""
    mine = {m.name: module_symbols(m, reference="", usage="") for m in modules}
    others = [sym for name, sym in (known or {}).items() if name not in mine]
    return ProjectGraph([*others, *mine.values()])


def callee_first(uids: Sequence[str], callees: Callable[[str], Iterable[str]]) -> dict:
    """For each of ``uids``, the ones among them it should wait for: its callees, in an order
    where every unit comes after what it calls. A call cycle is broken deterministically:
    walking ``uids`` sorted, depth first, an edge back to a unit still being walked is dropped.
    """
    wanted = set(uids)
    waits: dict[str, tuple[str, ...]] = {}
    state: dict[str, int] = {}  # 1: being walked, 2: done
    for root in sorted(wanted):
        if state.get(root):
            continue
        stack = [(root, iter(sorted(set(callees(root)) & wanted)))]
        state[root] = 1
        kept: dict[str, list[str]] = {root: []}
        while stack:
            uid, todo = stack[-1]
            nxt = next(todo, None)
            if nxt is None:
                stack.pop()
                state[uid] = 2
                waits[uid] = tuple(kept.pop(uid))
                continue
            if state.get(nxt) == 1:
                continue  # a cycle: this edge goes
            kept[uid].append(nxt)
            if not state.get(nxt):
                state[nxt] = 1
                kept[nxt] = []
                stack.append((nxt, iter(sorted(set(callees(nxt)) & wanted))))
    return waits


def _graph_contexts(
    module: ModuleInfo, lang: str, graph: ProjectGraph
) -> Iterator[tuple[Unit, UnitContext]]:
    overview = module.docstring or ""
    imports = tuple(_import_text(i) for i in module.imports)
    owners = {cls.qualname: _owner(cls) for cls in module.all_classes()}
    for unit in units_of(module):
        uid = unit.uid
        callees = tuple(_described(graph, t) for t in graph.callees(uid))
        callers = tuple(f"{c.name}: {code}" for c, _, code in graph.callers(uid)[:CALLERS_SHOWN])
        owner, related = "", ()
        if isinstance(unit, FunctionInfo) and unit.kind == "method":
            owner = owners.get(unit.qualname.rpartition(".")[0], "")
        if isinstance(unit, ModuleInfo):
            related = (*(f"imports {m}" for m in graph.imports(uid)),
                       *(f"imported by {m}" for m in graph.imported_by(uid)))  # fmt: skip
        yield unit, UnitContext(
            module=module, lang=lang, module_overview=overview, callees=callees,
            callers=callers, imports=imports, owner=owner, related=related,
        )  # fmt: skip


def _described(graph: ProjectGraph, target: Target) -> str:
    sym = graph.modules.get(target.module)
    found = (
        next((d for d in sym.definitions if d.qualname == target.qualname), None) if sym else None
    )
    if found is None:
        return target.name
    head = found.signature or target.name
    if not head.startswith(("def ", "async def ", "class ")):
        head = target.name
    where = f" ({target.module})"
    return head + where + (f" — {found.summary}" if found.summary else "")


def _owner(cls: ClassInfo) -> str:
    header = f"class {cls.qualname}" + (f"({', '.join(cls.bases)})" if cls.bases else "")
    summary = first_sentence(cls.docstring)
    attributes = init_attributes(cls)
    parts = [header + (f" — {summary}" if summary else "")]
    if attributes:
        parts.append("self: " + ", ".join(attributes))
    return "; ".join(parts)


def _import_text(imp: Import) -> str:
    alias = f" as {imp.alias}" if imp.alias else ""
    if imp.module is None:
        return f"import {imp.name}{alias}"
    return f"from {'.' * imp.level}{imp.module} import {imp.name}{alias}"


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


_UNKEYED = ("module", "written_callees")  # the unit's own text has its hash; model text none
_CONTEXT_FIELDS = tuple(f.name for f in dataclasses.fields(UnitContext) if f.name not in _UNKEYED)


def context_hash(context: UnitContext) -> str:
    """sha256 of the context fields that go into a prompt: every field but ``module`` and
    ``written_callees``.

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
