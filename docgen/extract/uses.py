"""Two facts of a function or a module body the units are built with: how a function's body
uses each parameter (:func:`param_uses`), and which definitions sit under a module-level
``if``/``try``/``with`` and under which condition (:func:`conditional_defs`)."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

__all__ = ["conditional_defs", "param_uses"]

_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)


_CHILDREN: dict[type, tuple[str, ...]] = {}  # node type -> the fields that may hold nodes
_LEAVES = frozenset({"ctx", "id", "attr", "arg", "module", "level", "kind", "conversion",
                     "is_async", "type_comment", "names", "kwd_attrs", "rest", "name"})  # fmt: skip
_LOOPS = (ast.For, ast.AsyncFor, ast.comprehension)
_TESTS = (ast.If, ast.While, ast.IfExp, ast.Assert)


def _children(kind: type) -> tuple[str, ...]:
    fields = _CHILDREN.get(kind)
    if fields is None:
        names = getattr(kind, "_fields", ())  # a str in a list (``MatchClass``) has none
        fields = _CHILDREN[kind] = tuple(f for f in names if f not in _LEAVES)
    return fields


def param_uses(
    node: ast.FunctionDef | ast.AsyncFunctionDef, text: Callable[[ast.AST], str]
) -> tuple[tuple[str, str, str], ...]:
    """How the body uses each parameter (see ``FunctionInfo.param_uses``), first uses first.

    One walk of the body by node type (it runs for every function of every module: the
    generic ``ast.walk`` and ``isinstance`` chains cost 4 s of a 29 s extraction profile)."""
    args = node.args
    names = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
    names |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
    names.discard("self")
    names.discard("cls")
    if not names:
        return ()
    found: list[tuple[int, int, tuple[str, str, str]]] = []
    name_type, const, call_type, compare, assign, ret = (
        ast.Name, ast.Constant, ast.Call, ast.Compare, ast.Assign, ast.Return,
    )  # fmt: skip

    def param(expr: ast.AST | None) -> str | None:
        return expr.id if type(expr) is name_type and expr.id in names else None  # type: ignore[union-attr]

    def literal(expr: ast.AST) -> bool:
        return type(expr) is const or (
            type(expr) is ast.UnaryOp and type(expr.operand) is const  # type: ignore[attr-defined]
        )

    stack: list[ast.AST] = list(node.body)
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        sub = pop()
        kind = type(sub)
        if kind is name_type or kind is const:
            continue
        at = (getattr(sub, "lineno", 0), getattr(sub, "col_offset", 0))
        if kind is call_type:
            passed = [
                (name, None)
                for a in sub.args  # type: ignore[attr-defined]
                if (name := param(a.value if type(a) is ast.Starred else a))
            ]
            passed += [(name, kw.arg) for kw in sub.keywords if (name := param(kw.value))]  # type: ignore[attr-defined]
            if passed:
                callee = text(sub.func)  # type: ignore[attr-defined]
                if len(callee) <= 60:
                    for name, keyword in passed:
                        found.append(
                            (*at, (name, "passed", f"{callee}:{keyword}" if keyword else callee))
                        )
        elif kind is compare:
            sides = [sub.left, *sub.comparators]  # type: ignore[attr-defined]
            for i, side in enumerate(sides):
                name = param(side)
                if name:
                    others = [s for j, s in enumerate(sides) if j != i and literal(s)]
                    if others:
                        found.append((*at, (name, "compared", text(others[0]))))
        elif kind is assign:
            name = param(sub.value)  # type: ignore[attr-defined]
            target = sub.targets[0] if len(sub.targets) == 1 else None  # type: ignore[attr-defined]
            if name and type(target) is ast.Attribute:
                found.append((*at, (name, "stored", text(target))))
        elif kind is ret:
            name = param(sub.value)  # type: ignore[attr-defined]
            if name:
                found.append((*at, (name, "returned", "")))
        elif kind in _LOOPS:
            name = param(sub.iter)  # type: ignore[attr-defined]
            if name:  # a comprehension has no position: its iterable's
                at = (sub.iter.lineno, sub.iter.col_offset)  # type: ignore[attr-defined]
                found.append((*at, (name, "iterated", "")))
        elif kind in _TESTS:
            name = param(sub.test)  # type: ignore[attr-defined]
            if name:
                found.append((*at, (name, "tested", "")))
        for field in _children(kind):
            value = getattr(sub, field)
            if type(value) is list:
                extend(value)
            elif value is not None and not isinstance(value, str | int | float | bytes):
                push(value)
    found.sort(key=lambda f: (f[0], f[1]))
    return tuple(dict.fromkeys(use for _, _, use in found))


def conditional_defs(
    stmt: ast.stmt, text: Callable[[ast.AST], str], outer: tuple[tuple[str, str], ...] = ()
) -> Iterator[tuple[ast.stmt, tuple[tuple[str, str], ...]]]:
    """Functions and classes defined under a module-level ``if``/``try``/``with`` (nested too),
    each with the conditions it is defined under, outermost first."""

    def walk(
        body: list[ast.stmt], conditions: tuple[tuple[str, str], ...]
    ) -> Iterator[tuple[ast.stmt, tuple[tuple[str, str], ...]]]:
        for node in body:
            if type(node) in _FUNCS or type(node) is ast.ClassDef:
                yield node, conditions
            elif isinstance(node, _COMPOUND):
                yield from conditional_defs(node, text, conditions)

    if isinstance(stmt, ast.If):
        test = text(stmt.test)
        yield from walk(stmt.body, (*outer, ("if", test)))
        yield from walk(stmt.orelse, (*outer, ("else", test)))
    elif isinstance(stmt, _TRIES):
        yield from walk(stmt.body, (*outer, ("try", "")))  # type: ignore[attr-defined]
        for handler in stmt.handlers:  # type: ignore[attr-defined]
            caught = text(handler.type) if handler.type is not None else ""
            yield from walk(handler.body, (*outer, ("except", caught)))
        yield from walk(stmt.orelse, (*outer, ("try", "")))  # type: ignore[attr-defined]
        yield from walk(stmt.finalbody, (*outer, ("finally", "")))  # type: ignore[attr-defined]
    elif isinstance(stmt, ast.With | ast.AsyncWith):
        items = ", ".join(
            text(i.context_expr) + (f" as {text(i.optional_vars)}" if i.optional_vars else "")
            for i in stmt.items
        )
        yield from walk(stmt.body, (*outer, ("with", items)))


_TRIES = tuple(t for t in (ast.Try, getattr(ast, "TryStar", None)) if t is not None)
_COMPOUND = (ast.If, ast.With, ast.AsyncWith, *_TRIES)
