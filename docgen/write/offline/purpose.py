"""A function's purpose sentence when its docstring gives none, built from what its body does.

The sentence names the unit (``subject.*``: "Метод `save` класса `Store`") and then, in this
order, only what the code shows: the parameters a constructor keeps, the calls the function
exists for (with the literal keyword values they are given: ``model="gpt-4o"``), the attributes
it sets, what it returns or yields, or that it only raises. The signature ("takes 3 parameters")
is said only when the body says nothing more.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from docgen.extract.symbols import local_names
from docgen.i18n import Catalog
from docgen.markup import BUILTIN_NAMES
from docgen.model import FlowKind, FlowNode, FunctionInfo, ModuleInfo, UnitKind
from docgen.write.offline.labels import node_statement, strip_keyword
from docgen.write.offline.phrases import code, join_list, sentence

__all__ = ["MAIN_CALLS", "Purposes", "attribute_writes", "main_calls", "returned"]

MAIN_CALLS = 3  # calls a purpose names, at most
MAX_NAMES = 4  # attributes or parameters a purpose lists before "and N more"
MAX_LITERALS = 3  # literal keyword arguments shown with a main call
SELF = ("self", "cls")  # a call of the object or class itself makes one: not a main call


class Purposes:
    """Purpose sentences and "returns" clauses with one catalog."""

    def __init__(self, catalog: Catalog):
        self.cat = catalog

    def subject(self, fn: FunctionInfo, cls: str | None) -> str:
        t = self.cat.t
        name, owner = code(fn.name), code(cls or "")
        if cls and fn.property_role:
            return t(f"subject.property_{fn.property_role}", name=name, cls=owner)
        if cls and fn.name == "__init__":
            return t("subject.constructor", cls=owner)
        prefix = "async_" if fn.is_async else ""
        if fn.context_manager:
            kind = "method" if cls else "function"
            return t(f"subject.{prefix}context_manager_{kind}", name=name, cls=owner)
        if fn.yields:
            prefix += "generator_"
        if cls:
            if "staticmethod" in fn.decorators:
                return t(f"subject.{prefix}staticmethod", name=name, cls=owner)
            if "classmethod" in fn.decorators:
                return t(f"subject.{prefix}classmethod", name=name, cls=owner)
            return t(f"subject.{prefix}method", name=name, cls=owner)
        return t(f"subject.{prefix}function", name=name)

    def function(self, fn: FunctionInfo, cls: str | None, module: ModuleInfo | None) -> str:
        cat = self.cat
        gives = self.gives(fn)
        only = _only_raise(fn)
        parts: list[str] = []
        if only is not None:
            parts = [cat.t("clause.raises_only", exc=code(only))]
        elif fn.property_role == "getter" and not fn.call_params:
            parts = [gives or cat.t("clause.returns_nothing")]
        else:
            stored = {p: a for p, use, a in fn.param_uses if use == "stored"}
            if fn.name == "__init__" and stored:
                parts.append(self._keeps(stored))
            main = main_calls(fn, module)
            if main and (fn.name != "__init__" or stored):
                parts.append(cat.t("clause.call", callee=self._calls(fn, main)))
            kept = set(stored.values()) if fn.name == "__init__" else set()
            assigned, updated = attribute_writes(fn) if cls else ([], [])
            sets = [a for a in assigned if a not in kept]
            updates = [a for a in updated if a not in sets]
            for key, names in (("clause.sets", sets), ("clause.updates", updates)):
                if names and cls:
                    quoted = self._names([code(a) for a in names], "clause.more_attrs")
                    parts.append(cat.plural(len(names), key, names=quoted))
            sets += updates
            raised = list(dict.fromkeys(r.exception.split("(")[0] for r in fn.raises
                                        if r.exception))  # fmt: skip
            if not parts and raised:
                shown = join_list(cat, [code(e) for e in raised[:MAX_NAMES]])
                parts.append(cat.plural(len(raised), "clause.may_raise", excs=shown))
            if not parts:
                parts.append(self._takes(fn))
            if gives and not (sets and gives == cat.t("clause.returns_nothing")):
                parts.append(gives)  # state set says more than "returns nothing"
        text = sentence(f"{self.subject(fn, cls)} {join_list(cat, parts)}")
        if fn.is_overload:
            text += " " + cat.t("sentence.overload")
        return text

    def _keeps(self, stored: dict[str, str]) -> str:
        """ "keeps `a` and `b` in the object's attributes", or, when an attribute is named
        otherwise, "keeps `radius` in `self._radius`" for each."""
        cat = self.cat
        if all(a == f"self.{p}" for p, a in stored.items()):
            names = [code(p) for p in stored]
            return cat.t("clause.keeps", names=self._names(names, "clause.more_params"))
        pairs = [cat.t("clause.kept_as", name=code(p), attr=code(a)) for p, a in stored.items()]
        return cat.t("clause.keeps_pairs", pairs=self._names(pairs, "clause.more_params"))

    def _takes(self, fn: FunctionInfo) -> str:
        params = fn.call_params
        if not params:
            return self.cat.t("clause.takes_none")
        names = join_list(self.cat, [code(p.name) for p in params])
        return self.cat.plural(len(params), "clause.takes", names=names)

    def _names(self, quoted: Sequence[str], more: str) -> str:
        """At most ``MAX_NAMES`` items; a longer list ends with "and N more <things>"."""
        if len(quoted) <= MAX_NAMES:
            return join_list(self.cat, quoted)
        shown = list(quoted[: MAX_NAMES - 1])
        shown.append(self.cat.plural(len(quoted) - len(shown), more))
        return join_list(self.cat, shown)

    def _calls(self, fn: FunctionInfo, names: Sequence[str]) -> str:
        """The main calls, each with the literal keyword values of its first call (one "and"
        for the whole clause: the calls are separated by commas)."""
        first = {}
        for call in fn.calls:
            first.setdefault(call.name, call)
        quoted = []
        for name in names:
            literals = first[name].literals[:MAX_LITERALS]
            text = code(name, 60)
            if literals:
                args = ", ".join(code(a, 40) for a in literals)
                text = self.cat.t("clause.call_literals", callee=text, args=args)
            quoted.append(text)
        return ", ".join(quoted)

    def gives(self, fn: FunctionInfo) -> str:
        t = self.cat.t
        if fn.yields:
            return (
                t("clause.gives_yield_type", type=code(fn.returns))
                if fn.returns
                else t("clause.gives_yield")
            )
        if fn.returns and fn.returns != "None":
            return t("clause.gives_type", type=code(fn.returns))
        values = returned(fn)
        if values:
            return self.values("clause.gives_value", "clause.gives_values", values)
        if fn.is_overload or fn.name == "__init__":
            return ""
        if fn.returns == "None" or fn.flow:
            return t("clause.returns_nothing")
        return ""

    def values(self, one: str, many: str, values: list[str]) -> str:
        quoted = [code(v, 60) for v in values]
        if len(quoted) == 1:
            return self.cat.t(one, value=quoted[0])
        return self.cat.t(many, values=", ".join(quoted))


def returned(fn: FunctionInfo) -> list[str]:
    """The distinct returned expressions, ``None`` last and only beside others."""
    return [v for v in dict.fromkeys(fn.return_values) if v != "None"] + (
        ["None"] if "None" in fn.return_values and len(set(fn.return_values)) > 1 else []
    )


def _only_raise(fn: FunctionInfo) -> str | None:
    """The exception of a body that does nothing but raise (an abstract method's
    ``raise NotImplementedError``), ``pass`` and ``...`` aside."""
    flow = fn.flow
    if not flow or flow[-1].kind is not FlowKind.RAISE or len(flow) > 3:
        return None  # the common case, decided without reading a statement
    nodes = [n for n in flow if not _is_filler(n)]
    if len(nodes) != 1 or nodes[0].kind is not FlowKind.RAISE:
        return None
    return strip_keyword(nodes[0].label, "raise") or None


def _is_filler(node: FlowNode) -> bool:
    found = node_statement(node) if node.kind is FlowKind.STATEMENT else None
    return found is not None and found.kind in ("pass", "ellipsis")


_ASSIGNS = frozenset({"assign", "assign_call", "assign_await"})


def attribute_writes(fn: FunctionInfo) -> tuple[list[str], list[str]]:
    """The ``self.x`` names the body assigns, and those it updates in place (``self.n += 1``),
    anywhere in its flow, first first."""
    assigned: dict[str, None] = {}
    updated: dict[str, None] = {}
    for node in _walk(fn.flow):
        if node.kind is not FlowKind.STATEMENT or not node.label.startswith("self."):
            continue
        found = node_statement(node)
        if found is None:
            continue
        into = (
            assigned if found.kind in _ASSIGNS else updated if found.kind == "augassign" else None
        )
        if into is None:
            continue
        for target in found.target.split(" = "):
            head, _, attr = target.partition(".")
            if head == "self" and attr.isidentifier():
                into.setdefault(target, None)
    return list(assigned), list(updated)


def _walk(nodes: Sequence[FlowNode]) -> Iterator[FlowNode]:
    for node in nodes:
        yield node
        for branch in node.branches:
            yield from _walk(branch.body)


_MODULE_NAMES: list[tuple[ModuleInfo, frozenset[str]]] = []  # the last module's, by identity


def _module_names(module: ModuleInfo) -> frozenset[str]:
    """What ``module`` imports or defines at the top (computed once per module, not per unit:
    hashing a whole ModuleInfo for a cache would cost more than this)."""
    if _MODULE_NAMES and _MODULE_NAMES[0][0] is module:
        return _MODULE_NAMES[0][1]
    names = {i.bound for i in module.imports}
    names |= {f.name for f in module.functions} | {c.name for c in module.classes}
    _MODULE_NAMES[:] = [(module, frozenset(names))]
    return _MODULE_NAMES[0][1]


def main_calls(fn: FunctionInfo, module: ModuleInfo | None) -> list[str]:
    """The calls a function exists for, first first: calls of what its module imports or
    defines (a library's API, the project's functions) and, in a method, of its object
    (``self.client.send``), not of builtins, local names, the
    exceptions it raises or ``super()``."""
    if module is None:
        return []
    known = _module_names(module) - local_names(fn)
    if fn.kind is UnitKind.METHOD:  # a method's work is done on its object
        known |= {"self", "cls"}
    raised = {(r.exception or "").split("(")[0].strip() for r in fn.raises}
    found: dict[str, int] = {}
    for call in fn.calls:
        name = call.name
        head = name.split(".")[0]
        if head not in known or head in BUILTIN_NAMES or name in raised or name in SELF:
            continue
        if not name.replace(".", "").replace("_", "").isalnum():
            continue  # a call of an expression: ``handlers[k]()``, ``f()()``
        # the module's own names first, then the object's methods, then its attributes' ones
        rank = 0 if head not in SELF else 1 if name.count(".") == 1 else 2
        found.setdefault(name, rank)
    ranked = sorted(found, key=found.__getitem__)  # stable: first first within a rank
    return ranked[:MAIN_CALLS]
