"""Control-flow trees: turn the statements of a body into ``FlowNode`` records.

One walk over a body gives both its flow tree and the facts the writers need about it (calls
with lines, raises, returned expressions, whether it yields). Nested ``def``/``class`` bodies are
not entered: they are documented (or shown) on their own, as a single DEF node here.
Labels are one-line source text; calls are the callee as written (``self.client.send``).
"""

from __future__ import annotations

import ast
import sys

from docgen.extract.text import SourceText, short_label
from docgen.markup import one_line, shorten_code, statement_shape, text_value
from docgen.model import Call, FlowBranch, FlowKind, FlowNode, Raise

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_YIELDS = (ast.Yield, ast.YieldFrom)
_TRY = (ast.Try, getattr(ast, "TryStar", ast.Try))
_SIMPLE = {
    ast.Break: FlowKind.BREAK,
    ast.Continue: FlowKind.CONTINUE,
    ast.Assert: FlowKind.ASSERT,
}


# Fields that never hold a node (or hold nodes that cannot contain a call).
_SCALARS = frozenset(
    (
        "ctx",
        "id",
        "attr",
        "arg",
        "module",
        "level",
        "kind",
        "conversion",
        "is_async",
        "type_comment",
    )
)
_FIELDS: dict[type, tuple[str, ...]] = {ast.Constant: (), ast.Name: ()}


def _child_fields(kind: type) -> tuple[str, ...]:
    return tuple(name for name in getattr(kind, "_fields", ()) if name not in _SCALARS)


class Facts:
    """What a body does, collected while its flow tree is built."""

    __slots__ = ("calls", "raises", "returns", "yields")

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.raises: list[Raise] = []
        self.returns: list[str] = []
        self.yields = False


def callee(src: SourceText, func: ast.expr) -> str:
    """The called name as written: a dotted path when it is one, else the one-line expression."""
    parts: list[str] = []
    node = func
    while type(node) is ast.Attribute:
        parts.append(node.attr)
        node = node.value
    if type(node) is ast.Name:
        parts.append(node.id)
        # Interned: the same few names recur, and pickle then sends each once per chunk.
        return sys.intern(".".join(reversed(parts)))
    return short_label(src.of(func))


ARG_WIDTH = 40  # one argument as a statement's step shows it


def _literals(src: SourceText, call: ast.Call) -> tuple[str, ...]:
    """``name=value`` for the keyword arguments given a literal (not ``...``), short ones."""
    if not call.keywords:
        return ()
    out = []
    for kw in call.keywords:
        value = kw.value
        if kw.arg and type(value) is ast.Constant and value.value is not Ellipsis:
            text = one_line(src.of(kw))
            if len(text) <= ARG_WIDTH:
                out.append(text)
    return tuple(out)


def _arguments(src: SourceText, stmt: ast.stmt) -> tuple[str, ...]:
    """The arguments of a statement that is one call (``f(a)``, ``x = f(a)``, ``await f(a)``),
    each as written on one line, shortened at a syntax boundary."""
    value = getattr(stmt, "value", None)
    if type(value) is ast.Await:
        value = value.value
    if type(value) is not ast.Call or not (value.args or value.keywords):
        return ()
    nodes = sorted([*value.args, *value.keywords], key=lambda n: (n.lineno, n.col_offset))
    return tuple([_argument(src, n) for n in nodes])


def _argument(src: SourceText, node: ast.expr | ast.keyword) -> str:
    text = one_line(src.of(node))
    if len(text) <= ARG_WIDTH:
        return text
    short = shorten_code(text, ARG_WIDTH)
    if not short.endswith("…"):  # elided inside brackets: ``headers={…}``
        return short
    # only a cut inside a token (a long string) would fit: show the keyword alone
    name = getattr(node, "arg", None)
    return f"{name}=…" if name else "…"


class FlowBuilder:
    """Builds flow trees over one module's ``SourceText``, recording into a ``Facts``."""

    __slots__ = ("facts", "shapes", "src")

    def __init__(self, src: SourceText, facts: Facts, *, shapes: bool = True) -> None:
        """``shapes``: read each plain statement's :class:`~docgen.model.Statement` (not for
        a masked text, whose stand-ins are not what the statements are)."""
        self.src = src
        self.facts = facts
        self.shapes = shapes

    def block(self, body: list[ast.stmt]) -> tuple[FlowNode, ...]:
        return tuple([self.node(stmt) for stmt in body])

    def calls_in(self, *roots: ast.AST | None) -> tuple[str, ...]:
        """Callees in ``roots`` (lambdas and comprehensions included), in source order."""
        stack = [root for root in roots if root is not None]
        found: list[ast.Call] = []
        pop, push, extend = stack.pop, stack.append, stack.extend
        fields, node_type, call = _FIELDS, ast.AST, ast.Call
        while stack:
            node = pop()
            kind = type(node)
            if kind is call:
                found.append(node)  # type: ignore[arg-type]
            elif kind in _YIELDS:
                self.facts.yields = True
            names = fields.get(kind)
            if names is None:
                names = fields[kind] = _child_fields(kind)
            for name in names:
                value = getattr(node, name)
                if type(value) is list:
                    extend(value)
                elif isinstance(value, node_type):
                    push(value)
        if not found:
            return ()
        found.sort(key=lambda n: (n.lineno, n.col_offset))
        src = self.src
        names_found = tuple([callee(src, n.func) for n in found])
        lines = [n.lineno for n in found]
        self.facts.calls.extend(map(Call, names_found, lines, [_literals(src, n) for n in found]))
        return names_found

    def node(self, stmt: ast.stmt) -> FlowNode:
        kind = type(stmt)
        src = self.src
        line = stmt.lineno
        if kind is ast.If:
            return self._if(stmt)  # type: ignore[arg-type]
        if kind is ast.For or kind is ast.AsyncFor:
            calls = self.calls_in(stmt.target, stmt.iter)  # type: ignore[attr-defined]
            label = f"{src.label(stmt.target)} in {src.label(stmt.iter)}"  # type: ignore[attr-defined]
            return FlowNode(
                FlowKind.FOR, short_label(label), line, self._loop(stmt), calls,
                is_async=kind is ast.AsyncFor,
            )  # fmt: skip
        if kind is ast.While:
            calls = self.calls_in(stmt.test)  # type: ignore[attr-defined]
            label = src.label(stmt.test)  # type: ignore[attr-defined]
            return FlowNode(FlowKind.WHILE, label, line, self._loop(stmt), calls)
        if kind in _TRY:
            return self._try(stmt)  # type: ignore[arg-type]
        if kind is ast.With or kind is ast.AsyncWith:
            items = stmt.items  # type: ignore[attr-defined]
            exprs = [e for item in items for e in (item.context_expr, item.optional_vars)]
            calls = self.calls_in(*exprs)
            label = ", ".join(self._with_item(item) for item in items)
            body = (FlowBranch("", self.block(stmt.body), "body"),)  # type: ignore[attr-defined]
            return FlowNode(
                FlowKind.WITH, short_label(label), line, body, calls,
                is_async=kind is ast.AsyncWith,
            )  # fmt: skip
        if kind is ast.Match:
            return self._match(stmt)  # type: ignore[arg-type]
        if kind in _DEFS:
            return self._def(stmt)  # type: ignore[arg-type]
        calls = self.calls_in(stmt)
        whole = src.of(stmt)
        label = short_label(whole)
        if kind is ast.Return:
            if stmt.value is not None:  # type: ignore[attr-defined]
                self.facts.returns.append(src.of(stmt.value))  # type: ignore[attr-defined]
            return FlowNode(FlowKind.RETURN, label, line, (), calls)
        if kind is ast.Raise:
            self.facts.raises.append(self._raise(stmt))  # type: ignore[arg-type]
            return FlowNode(FlowKind.RAISE, label, line, (), calls)
        if kind is ast.Expr and type(stmt.value) in _YIELDS:  # type: ignore[attr-defined]
            return FlowNode(FlowKind.YIELD, label, line, (), calls)
        simple = _SIMPLE.get(kind)
        if simple is not None:
            return FlowNode(simple, label, line, (), calls)
        # read here, where the statement is parsed, when its label is its whole text: the
        # writer would parse the label again (14 % of its time on stdlib files, measured A/B)
        shape = None
        if self.shapes and label == whole and "…" not in whole:
            shape = statement_shape(stmt, src.of)
        return FlowNode(
            FlowKind.STATEMENT, label, line, (), calls, args=_arguments(src, stmt), shape=shape
        )

    # -- compound statements ------------------------------------------------------------------

    def _if(self, stmt: ast.If) -> FlowNode:
        src = self.src
        branches: list[FlowBranch] = []
        calls: list[str] = []
        node: ast.If = stmt
        role = "if"
        while True:
            calls.extend(self.calls_in(node.test))
            branches.append(FlowBranch(src.label(node.test), self.block(node.body), role))
            orelse = node.orelse
            if not orelse:
                break
            nxt = orelse[0]
            if len(orelse) == 1 and type(nxt) is ast.If and self._is_elif(nxt):
                node, role = nxt, "elif"
                continue
            branches.append(FlowBranch("else", self.block(orelse), "else"))
            break
        return FlowNode(FlowKind.IF, branches[0].label, stmt.lineno, tuple(branches), tuple(calls))

    def _is_elif(self, node: ast.If) -> bool:
        start = self.src.offset(node.lineno, node.col_offset)
        return self.src.data.startswith(b"elif", start)

    def _loop(self, stmt: ast.For | ast.AsyncFor | ast.While) -> tuple[FlowBranch, ...]:
        branches = [FlowBranch("", self.block(stmt.body), "body")]
        if stmt.orelse:
            branches.append(FlowBranch("else", self.block(stmt.orelse), "else"))
        return tuple(branches)

    def _try(self, stmt: ast.Try) -> FlowNode:
        src = self.src
        branches = [FlowBranch("", self.block(stmt.body), "body")]
        for handler in stmt.handlers:
            label = src.label(handler.type) if handler.type is not None else ""
            if handler.name:
                label = f"{label} as {handler.name}"
            branches.append(FlowBranch(label, self.block(handler.body), "except"))
        if stmt.orelse:
            branches.append(FlowBranch("else", self.block(stmt.orelse), "else"))
        if stmt.finalbody:
            branches.append(FlowBranch("finally", self.block(stmt.finalbody), "finally"))
        return FlowNode(FlowKind.TRY, "", stmt.lineno, tuple(branches))

    def _with_item(self, item: ast.withitem) -> str:
        text = self.src.of(item.context_expr)
        if item.optional_vars is not None:
            text = f"{text} as {self.src.of(item.optional_vars)}"
        return text

    def _match(self, stmt: ast.Match) -> FlowNode:
        src = self.src
        calls = list(self.calls_in(stmt.subject))
        branches = []
        for case in stmt.cases:
            label = src.of(case.pattern)
            if case.guard is not None:
                calls.extend(self.calls_in(case.guard))
                label = f"{label} if {src.of(case.guard)}"
            branches.append(FlowBranch(short_label(label), self.block(case.body), "case"))
        subject = src.label(stmt.subject)
        return FlowNode(FlowKind.MATCH, subject, stmt.lineno, tuple(branches), tuple(calls))

    def _def(self, stmt: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> FlowNode:
        # Decorators, defaults and bases run in this body; the nested body does not.
        if type(stmt) is ast.ClassDef:
            label = f"class {stmt.name}"
            roots: list[ast.AST] = [*stmt.decorator_list, *stmt.bases, *stmt.keywords]
        else:
            prefix = "async def" if type(stmt) is ast.AsyncFunctionDef else "def"
            label = f"{prefix} {stmt.name}"
            args = stmt.args  # type: ignore[union-attr]
            roots = [*stmt.decorator_list, *args.defaults, *filter(None, args.kw_defaults)]
        calls = self.calls_in(*roots)
        return FlowNode(FlowKind.DEF, label, stmt.lineno, (), calls)

    def _literal(self, node: ast.Constant) -> str | None:
        """A string constant's value as the file writes it; None when the file's text is not
        that literal (newer syntax masked for this Python's ast: an f-string read as "xxxx")."""
        if self.src.of(node)[:1] in "\"'" and "x" * 3 not in node.value:
            return text_value(node.value)  # the common case: a plain literal, unmasked
        try:
            value = ast.literal_eval(self.src.of(node))
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return None
        return text_value(value) if value == node.value else None

    def _raise(self, stmt: ast.Raise) -> Raise:
        exc = stmt.exc
        if exc is None:
            return Raise(None, None, stmt.lineno)
        message = None
        if type(exc) is ast.Call:
            if exc.args:
                first = exc.args[0]
                if type(first) is ast.Constant and isinstance(first.value, str):
                    message = self._literal(first)
            exc = exc.func
        return Raise(callee(self.src, exc), message, stmt.lineno)
