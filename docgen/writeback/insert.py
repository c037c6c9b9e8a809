"""Put docstrings into a module's source with libcst, changing no other byte.

:func:`insert_docstrings` adds (or, for the ones listed to replace, rewrites) the docstring of
functions, methods and classes found by qualified name and ``def``/``class`` line, and of the
module. Each docstring is a new first statement of its body, at the body's own indentation (tabs
or spaces as the file has them), its continuation lines indented the same, its line ends the
file's (CRLF stays CRLF); the file's encoding declaration and every comment, blank line and quote
elsewhere are untouched. A body written on the ``def`` line itself (``def f(): return 1``) cannot
take a docstring without rewriting that line, so it is left alone and reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

__all__ = ["Insertion", "insert_docstrings"]


@dataclass(frozen=True, slots=True)
class Insertion:
    """One docstring to write: ``literal`` is the Python string literal at column 0, its lines
    joined with ``\\n``; ``replace`` rewrites an existing docstring instead of adding one."""

    literal: str
    replace: bool = False


@dataclass
class _Result:
    code: bytes
    done: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # qualname, reason


def _is_docstring(statement: cst.CSTNode) -> bool:
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    expr = statement.body[0]
    return isinstance(expr, cst.Expr) and isinstance(
        expr.value, cst.SimpleString | cst.ConcatenatedString
    )


class _Inserter(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(
        self, wanted: Mapping[tuple[str, int], Insertion], lines: list[str], newline: str
    ) -> None:
        super().__init__()
        self.wanted = wanted
        self.lines = lines
        self.newline = newline
        self.stack: list[str] = []
        self.found: list[tuple[str, int] | None] = []
        self.result = _Result(b"")

    def _visit(self, node: cst.FunctionDef | cst.ClassDef) -> None:
        qualname = ".".join([*self.stack, node.name.value])
        line = self.get_metadata(PositionProvider, node.name).start.line
        self.found.append((qualname, line) if (qualname, line) in self.wanted else None)
        self.stack.append(node.name.value)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._visit(node)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._visit(node)

    def _indent_of(self, statement: cst.CSTNode) -> str:
        start = self.get_metadata(PositionProvider, statement).start
        text = self.lines[start.line - 1]
        return text[: len(text) - len(text.lstrip(" \t"))]

    def _leave(self, original, updated):
        self.stack.pop()
        key = self.found.pop()
        if key is None:
            return updated
        insertion = self.wanted[key]
        qualname = key[0]
        body = updated.body
        if not isinstance(body, cst.IndentedBlock):
            self.result.skipped.append((qualname, "its body is on the def line"))
            return updated
        indent = self._indent_of(original.body.body[0])
        statement = _statement(insertion.literal, indent, self.newline)
        rest = list(body.body)
        if rest and _is_docstring(rest[0]):
            if not insertion.replace:
                return updated
            statement = statement.with_changes(leading_lines=rest[0].leading_lines)
            rest = rest[1:]
        self.result.done.append(qualname)
        return updated.with_changes(body=body.with_changes(body=[statement, *rest]))

    def leave_FunctionDef(self, original, updated):
        return self._leave(original, updated)

    def leave_ClassDef(self, original, updated):
        return self._leave(original, updated)


def _statement(literal: str, indent: str, newline: str) -> cst.SimpleStatementLine:
    """A docstring statement whose continuation lines sit at ``indent``."""
    lines = literal.split("\n")
    text = newline.join([lines[0], *((indent + line) if line else line for line in lines[1:])])
    return cst.SimpleStatementLine([cst.Expr(cst.SimpleString(text))])


def insert_docstrings(
    source: bytes,
    wanted: Mapping[tuple[str, int], Insertion],
    *,
    module_doc: Insertion | None = None,
) -> _Result:
    """``source`` with the docstrings of ``wanted`` (by qualified name and ``def`` line) and of
    the module written in. Raises ``libcst.ParserSyntaxError`` when the source does not parse."""
    module = cst.parse_module(source)
    newline = module.default_newline
    lines = module.code.split(newline) if newline != "\n" else module.code.split("\n")
    inserter = _Inserter(wanted, lines, newline)
    updated = MetadataWrapper(module, unsafe_skip_copy=True).visit(inserter)
    result = inserter.result
    if module_doc is not None:
        body = list(updated.body)
        has = bool(body) and _is_docstring(body[0])
        if not has or module_doc.replace:
            statement = _statement(module_doc.literal, "", newline)
            if has:
                statement = statement.with_changes(leading_lines=body[0].leading_lines)
                body = body[1:]
            elif body:
                leading = list(body[0].leading_lines)
                if not (leading and leading[0].comment is None):  # one blank line after it
                    body = [body[0].with_changes(leading_lines=[cst.EmptyLine(), *leading])]
                    body += list(updated.body[1:])
            updated = updated.with_changes(body=[statement, *body])
            result.done.append("<module>")
    result.code = updated.bytes
    return result
