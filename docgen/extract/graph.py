"""The project's symbol table and call graph, built once per run from every module's
:class:`~docgen.model.ModuleSymbols`.

Names resolve statically, the way a reader of the code would, and only when the code says so:

- a module's own top-level names, and what its imports bind (``import a.b as m``,
  ``from .models import Order``, relative imports from a package or a module, ``*`` imports);
- re-exports: ``pkg.Order`` where ``pkg/__init__.py`` imports ``Order`` from ``pkg.models``;
- ``self.x`` / ``cls.x`` in a method, and ``super().x``: the class, then its project bases in
  order (depth first, as simple MROs go);
- a local name the code types: ``x = Order(...)``, or a parameter annotated ``order: Order``;
- calling a class runs its ``__init__`` (its own or inherited), so that is the callee.

Anything else (dynamic dispatch, attributes of attributes, third-party code) does not resolve
and stays plain text: a missing link costs less than a wrong one. The precision and recall of
this resolver are measured against a hand-written answer key in ``tests/test_graph.py``.
"""

from __future__ import annotations

from collections.abc import Iterable

from docgen.model import Import, ModuleSymbols, Target

__all__ = ["Caller", "ProjectGraph"]

_DEPTH = 12  # bound on re-export and base-class chains (cycles in broken code end here)

Caller = tuple[Target, int, str]  # the calling unit, the line, the line's code


class ProjectGraph:
    """Symbol table (:meth:`resolve`), call graph (:meth:`callees`, :meth:`callers`) and module
    imports (:meth:`imports`, :meth:`imported_by`) of one project."""

    def __init__(self, modules: Iterable[ModuleSymbols]) -> None:
        # in name order, so callers and importers come in the same order whatever the input's
        # (a partial run adds carried records to the redone ones; prompts must not change)
        self.modules: dict[str, ModuleSymbols] = {
            m.module: m for m in sorted(modules, key=lambda m: m.module)
        }
        self.targets: dict[str, Target] = {}
        self._bases: dict[str, tuple[str, ...]] = {}  # class full name -> bases as written
        self._bindings: dict[tuple[str, str, str], str] = {}
        self._namespaces: dict[str, dict[str, str]] = {}
        self._attributes: dict[str, tuple[str, ...]] = {}
        self._returns: dict[str, str] = {}  # function full name -> return annotation
        for sym in self.modules.values():
            self.targets[sym.module] = Target(sym.module, sym.module, "", "module", sym.reference)
            for d in sym.definitions:
                full = f"{sym.module}.{d.qualname}"
                if "->" in d.signature:
                    self._returns[full] = d.signature.rpartition("->")[2].strip().strip("'\"")
                self.targets.setdefault(
                    full, Target(full, sym.module, d.qualname, d.kind, sym.reference, d.anchor)
                )
            for cls in sym.classes:
                self._bases[f"{sym.module}.{cls.qualname}"] = cls.bases
                self._attributes[f"{sym.module}.{cls.qualname}"] = cls.attributes
            for scope, name, kind in sym.bindings:
                self._bindings.setdefault((sym.module, scope, name), kind)
        self._roots = {name.split(".")[0] for name in self.modules}
        self.problems: list[tuple[str, str]] = []  # (module, reason): edges left out
        self._memo: dict[tuple[str, str, str, bool], Target | None] = {}  # pages repeat their names
        self._bases_memo: dict[str, tuple[str, ...]] = {}
        self._callees: dict[str, list[Target]] = {}
        self._callers: dict[str, list[Caller]] = {}
        self._imports: dict[str, list[str]] = {}
        self._called_modules: dict[str, set[str]] = {}
        self._imported_by: dict[str, list[str]] = {}
        # module -> top-level name -> the other modules calling it (once per call)
        self._outside: dict[str, dict[str, list[str]]] = {}
        self._calls_added = False
        self._build()

    # ----------------------------------------------------------------------------- queries

    def resolve(self, module: str, name: str, scope: str = "") -> Target | None:
        """The documented symbol ``name`` (as written in ``module``, inside the function or
        method ``scope``) stands for, or None. A name the scope binds (a parameter, a local)
        or an attribute of the scope's class never stands for a project module it happens to
        be spelt like (a parameter ``message``, a local ``gc``, an attribute ``token``)."""
        head = name.split(".", 1)[0]
        attribute = False
        if head not in ("self", "cls", "super()") and (module, scope, head) not in self._bindings:
            if scope and head in self._roots:  # only then can the class's attribute matter
                owner = scope.rpartition(".")[0]
                attribute = bool(owner) and head in self._attributes.get(f"{module}.{owner}", ())
            scope = ""  # the scope only matters for its own names
        key = (module, name, scope, attribute)
        if key in self._memo:
            return self._memo[key]
        try:
            found = self._resolve(
                module, name.removesuffix("()"), scope, full_names=not (scope or attribute)
            )
        except RecursionError:  # code odd enough to outrun the bounds: no link, no crash
            found = None
        self._memo[key] = found
        return found

    def _resolve(self, module: str, name: str, scope: str, full_names: bool) -> Target | None:
        full = self._full(module, name, scope)
        if full is None and name.startswith("."):  # a relative module name, as imports write it
            level = len(name) - len(name.lstrip("."))
            sym = self.modules.get(module)
            base = _absolute(module, sym.is_package, name[level:], level) if sym else None
            full = self._canonical(base, []) if base else None
        elif full is None and full_names and name.split(".")[0] in self._roots:
            full = self._canonical(name, [])  # a full dotted name of the project's
        return self.targets.get(full) if full else None

    def callees(self, uid: str) -> tuple[Target, ...]:
        """The project functions, methods and classes unit ``uid`` calls, first call first."""
        self.add_calls()
        return tuple(self._callees.get(uid, ()))

    def callers(self, uid: str) -> tuple[Caller, ...]:
        """The units calling ``uid``, each with the line and code of its call."""
        self.add_calls()
        return tuple(self._callers.get(uid, ()))

    def outside_uses(self, module: str) -> dict[str, list[str]]:
        """For each top-level name of ``module`` (a function, or a class with its methods),
        the other modules' calls of it: one calling module per call."""
        self.add_calls()
        return self._outside.get(module, {})

    def called_modules(self, module: str) -> set[str]:
        """The modules whose units the units of ``module`` call."""
        self.add_calls()
        return set(self._called_modules.get(module, ()))

    def imports(self, module: str) -> tuple[str, ...]:
        """The project modules ``module`` imports."""
        return tuple(self._imports.get(module, ()))

    def imported_by(self, module: str) -> tuple[str, ...]:
        return tuple(self._imported_by.get(module, ()))

    def class_attributes(self, module: str, qualname: str) -> tuple[str, ...]:
        """The names ``__init__`` assigns on ``self`` for the class ``module.qualname``."""
        return self._attributes.get(f"{module}.{qualname}", ())

    # ---------------------------------------------------------------------------- building

    def add_calls(self) -> None:
        """Build the call graph (:meth:`callers`, :meth:`callees` and the modules' uses of
        each other), once; the queries build it when first asked. Until then the graph is a
        symbol table with the modules' imports, which is all :meth:`resolve` needs: a site's
        pages can be linked meanwhile (on the standard library the calls take 0.85 s)."""
        if self._calls_added:
            return
        self._calls_added = True
        for sym in self.modules.values():
            try:
                self._add_calls(sym)
            except (RecursionError, ValueError, KeyError, TypeError) as exc:  # one module's
                self.problems.append((sym.module, f"call graph left out: {exc!r}"[:200]))

    def _build(self) -> None:
        """The modules' imports, and every namespace and class's bases worked out in name
        order, once: how a cycle of ``*`` imports or of bases is read (the first one asked
        sees the other partly) is then the same in every process and whatever is asked first."""
        for sym in self.modules.values():
            try:
                self._add_imports(sym)
                self._namespace(sym.module)
            except (RecursionError, ValueError, KeyError, TypeError) as exc:  # one module's
                self.problems.append((sym.module, f"imports left out: {exc!r}"[:200]))
        for cls in self._bases:
            try:
                self._resolved_bases(cls)
            except (RecursionError, ValueError, KeyError, TypeError) as exc:
                self.problems.append((cls, f"bases left out: {exc!r}"[:200]))

    def _add_calls(self, sym: ModuleSymbols) -> None:
        module = sym.module
        kinds = {d.qualname: d.kind for d in sym.definitions}
        seen_callees: set[tuple[str, str]] = set()  # (caller, callee): Target equality is slow
        callers: dict[str, tuple[str, str, str, Target]] = {}  # per caller, worked out once
        called = self._called_modules.setdefault(module, set())
        for call in sym.calls:
            about = callers.get(call.caller)
            if about is None:
                uid = f"{module}:{call.caller}" if call.caller else module
                scope = call.caller.partition("#")[0]
                target = self.targets.get(f"{module}.{scope}" if scope else "")
                about = (uid, uid.partition("#")[0], scope, target or self.targets[module])
                callers[call.caller] = about
            caller_uid, caller_unit, scope, caller = about
            callee = self._callee(module, call.name, scope, kinds)
            if callee is None:
                continue
            callee_uid = callee.uid
            if callee_uid == caller_unit:
                continue
            called.add(callee.module)
            if (caller_uid, callee.name) not in seen_callees:
                seen_callees.add((caller_uid, callee.name))
                self._callees.setdefault(caller_uid, []).append(callee)
            self._callers.setdefault(callee_uid, []).append((caller, call.line, call.code))
            if callee.module != module:
                top = callee.qualname.split(".")[0]
                self._outside.setdefault(callee.module, {}).setdefault(top, []).append(module)
        if not called:
            del self._called_modules[module]

    def _add_imports(self, sym: ModuleSymbols) -> None:
        seen: list[str] = []
        for imp in sym.imports:
            target = self._imported_module(sym, imp)
            if target and target != sym.module and target not in seen:
                seen.append(target)
                self._imported_by.setdefault(target, []).append(sym.module)
        self._imports[sym.module] = seen

    def _callee(self, module: str, name: str, scope: str, kinds: dict[str, str]) -> Target | None:
        if scope and kinds.get(scope) != "method" and name.startswith(("self.", "cls.")):
            return None
        target = self.resolve(module, name, scope)
        if target is None or target.kind in ("module", "data"):
            return None
        if target.kind == "class":
            init = self._member(target.name, "__init__", 0)
            found = self.targets.get(init) if init else None
            return found or target
        return target

    def _imported_module(self, sym: ModuleSymbols, imp: Import) -> str | None:
        if imp.module is None:
            name = imp.name
        else:
            base = _absolute(sym.module, sym.is_package, imp.module, imp.level)
            if base is None:
                return None
            candidate = f"{base}.{imp.name}" if base else imp.name
            if candidate in self.modules:
                return candidate
            name = base
        while name and name not in self.modules:
            name = name.rpartition(".")[0]
        return name or None

    # -------------------------------------------------------------------------- resolution

    def _namespace(self, module: str, depth: int = 0) -> dict[str, str]:
        """Bound name -> full dotted name, for a module's top level."""
        found = self._namespaces.get(module)
        if found is not None:
            return found
        sym = self.modules.get(module)
        names: dict[str, str] = {}
        self._namespaces[module] = names  # a * import cycle sees what is known so far
        if sym is None:
            return names
        for imp in sym.imports:
            if imp.module is None:
                if imp.alias:
                    names[imp.alias] = imp.name
                else:
                    head = imp.name.split(".")[0]
                    names.setdefault(head, head)
                continue
            base = _absolute(module, sym.is_package, imp.module, imp.level)
            if base is None:
                continue
            if imp.name == "*":
                if depth < _DEPTH:
                    other = self._namespace(base, depth + 1)
                    for key, value in other.items():
                        if not key.startswith("_"):
                            names.setdefault(key, value)
                continue
            names[imp.alias or imp.name] = f"{base}.{imp.name}" if base else imp.name
        for d in sym.definitions:
            if "." not in d.qualname:
                names[d.qualname] = f"{module}.{d.qualname}"
        return names

    def _full(self, module: str, name: str, scope: str, typed_ok: bool = True) -> str | None:
        parts = name.split(".")
        if not all(p.isidentifier() for p in parts[1:]):
            return None
        head, rest = parts[0], parts[1:]
        owner = scope.rpartition(".")[0]
        if head in ("self", "cls") and owner and rest:
            held = self._bindings.get((module, f"{owner}.self", rest[0])) if rest[1:] else None
            if held:  # self.x = C(...) in __init__: self.x.m is C.m
                kind = self._instance_of(module, held)
                found = self._member(kind, rest[1], 0) if kind else None
                return self._canonical(found, rest[2:]) if found else None
            found = self._member(f"{module}.{owner}", rest[0], 0)
            return self._canonical(found, rest[1:]) if found else None
        if head == "super()" and owner and rest:
            for base in self._resolved_bases(f"{module}.{owner}"):
                found = self._member(base, rest[0], 0)
                if found:
                    return self._canonical(found, rest[1:])
            return None
        if not head.isidentifier():
            return None
        typed = self._bindings.get((module, scope, head)) if typed_ok else None
        if not scope and not (typed and rest):
            typed = None  # module-level names are the namespace itself
        if typed is not None:  # a local name: what the code says it holds, or nothing
            kind = self._instance_of(module, typed) if typed and rest else None
            found = self._member(kind, rest[0], 0) if kind else None
            return self._canonical(found, rest[1:]) if found else None
        bound = self._namespace(module).get(head)
        if bound is None:
            return None
        return self._canonical(bound, rest)

    def _instance_of(self, module: str, written: str) -> str | None:
        """The class a value of ``written`` (a class, or a function annotated to return one)
        is an instance of."""
        full = self._full(module, written, "", typed_ok=False)  # a class, not another local
        target = self.targets.get(full) if full else None
        if target is None:
            return None
        if target.kind == "class":
            return full
        returns = self._returns.get(full, "")
        if target.kind == "function" and returns:
            found = self._full(target.module, returns, "", typed_ok=False)
            if found and self.targets.get(found, _NONE).kind == "class":
                return found
        return None

    def _canonical(self, full: str, rest: list[str], depth: int = 0) -> str | None:
        """``full`` + ``rest`` as the name of a documented target, following re-exports and
        class members; None when it leaves the project."""
        if depth > _DEPTH:
            return None
        parts = full.split(".") + rest
        for cut in range(len(parts), 0, -1):
            prefix = ".".join(parts[:cut])
            tail = parts[cut:]
            target = self.targets.get(prefix)
            if target is None:
                if prefix in self.modules:  # a module without a page
                    target = _NONE
                else:
                    continue
            if not tail:
                return prefix
            if prefix in self.modules:
                bound = self._namespace(prefix).get(tail[0])
                if bound is None:
                    return None
                return self._canonical(bound, tail[1:], depth + 1)
            if target.kind == "class":
                member = self._member(prefix, tail[0], 0)
                if member is None:
                    return None
                return member if not tail[1:] else self._canonical(member, tail[1:], depth + 1)
            return None
        return None

    def _member(self, cls: str, attr: str, depth: int) -> str | None:
        """``cls.attr`` as defined by the class or its project bases, depth first."""
        own = f"{cls}.{attr}"
        if own in self.targets:
            return own
        if depth > _DEPTH:
            return None
        for base in self._resolved_bases(cls):
            found = self._member(base, attr, depth + 1)
            if found:
                return found
        return None

    def _resolved_bases(self, cls: str) -> tuple[str, ...]:
        # memoised: the stdlib's 324,000 calls asked for them 101,000 times
        found = self._bases_memo.get(cls)
        if found is None:
            found = self._bases_memo[cls] = ()  # a cycle of bases sees none while it is read
            module = self.targets[cls].module if cls in self.targets else ""
            out = []
            for base in self._bases.get(cls, ()):
                name = base.split("[")[0].strip()
                full = self._full(module, name, "") if module else None
                if full and full != cls and self.targets.get(full, _NONE).kind == "class":
                    out.append(full)
            found = self._bases_memo[cls] = tuple(out)
        return found


_NONE = Target("", "", "", "", "")


def _absolute(module: str, is_package: bool, name: str, level: int) -> str | None:
    """The absolute module an import names: ``from ..x import y`` in ``pkg.sub.mod``."""
    if not level:
        return name
    package = module.split(".") if is_package else module.split(".")[:-1]
    if level - 1 > len(package) or (level - 1 == len(package) and not name):
        return None
    base = package[: len(package) - (level - 1)]
    return ".".join([*base, name] if name else base)
