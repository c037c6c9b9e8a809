"""Two facts of a function or a module body the units are built with: how a function's body
uses each parameter (:func:`param_uses`), and which definitions sit under a module-level
``if``/``try``/``with`` and under which condition (:func:`conditional_defs`)."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

__all__ = ["conditional_defs", "param_uses"]

_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)


def param_uses(
    node: ast.FunctionDef | ast.AsyncFunctionDef, text: Callable[[ast.AST], str]
) -> tuple[tuple[str, str, str], ...]:
    """How the body uses each parameter (see ``FunctionInfo.param_uses``), first uses first."""
    args = node.args
    names = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
    names |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
    found: list[tuple[int, int, tuple[str, str, str]]] = []

    def add(at: ast.AST, use: tuple[str, str, str]) -> None:
        found.append((getattr(at, "lineno", 0), getattr(at, "col_offset", 0), use))

    def param(expr: ast.AST | None) -> str | None:
        return expr.id if isinstance(expr, ast.Name) and expr.id in names else None

    def literal(expr: ast.AST) -> bool:
        return isinstance(expr, ast.Constant) or (
            isinstance(expr, ast.UnaryOp) and isinstance(expr.operand, ast.Constant)
        )

    for sub in ast.walk(ast.Module(body=node.body, type_ignores=[])):
        if isinstance(sub, ast.Call):
            callee = text(sub.func)
            if len(callee) > 60:
                continue
            for arg in sub.args:
                name = param(arg.value if isinstance(arg, ast.Starred) else arg)
                if name:
                    add(sub, (name, "passed", callee))
            for kw in sub.keywords:
                name = param(kw.value)
                if name:
                    add(sub, (name, "passed", f"{callee}:{kw.arg}" if kw.arg else callee))
        elif isinstance(sub, ast.For | ast.AsyncFor | ast.comprehension):
            name = param(sub.iter)
            if name:
                add(sub, (name, "iterated", ""))
        elif isinstance(sub, ast.Compare):
            sides = [sub.left, *sub.comparators]
            for i, side in enumerate(sides):
                name = param(side)
                if name:
                    others = [s for j, s in enumerate(sides) if j != i and literal(s)]
                    if others:
                        add(sub, (name, "compared", text(others[0])))
        elif isinstance(sub, ast.Assign):
            name = param(sub.value)
            target = sub.targets[0] if len(sub.targets) == 1 else None
            if name and isinstance(target, ast.Attribute):
                add(sub, (name, "stored", text(target)))
        elif isinstance(sub, ast.Return):
            name = param(sub.value)
            if name:
                add(sub, (name, "returned", ""))
        elif isinstance(sub, ast.If | ast.While | ast.IfExp | ast.Assert):
            name = param(sub.test)
            if name:
                add(sub, (name, "tested", ""))
    return tuple(dict.fromkeys(use for _, _, use in sorted(found, key=lambda f: f[:2])))


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
