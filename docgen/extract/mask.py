"""Let an older ``ast`` read newer syntax that libcst accepts (the rare slow path).

Positions come from ``ast`` (cheap), but libcst parses syntax newer than the running Python:
PEP 695 type parameters and ``type`` aliases, PEP 701 f-strings (``f"{x["k"]}"``), t-strings.
For such a file, libcst's own code generator is run once with a state that counts characters,
and only those constructs are overwritten with stand-ins of the *same UTF-8 length and line
breaks*, so every other node keeps its exact position and the original text can still be
sliced. What the stand-ins hide is handed back: type parameter text by line, alias lines.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

import libcst as cst
from libcst._nodes.internal import CodegenState

_NEWLINE = re.compile(r"\r\n|\r|\n")
_STRINGS = tuple(
    getattr(cst, name) for name in ("FormattedString", "TemplatedString") if hasattr(cst, name)
)


@dataclass(frozen=True, slots=True)
class Masked:
    text: str
    type_params: dict[int, str]  # def/class line -> "[T, *Ts]" as written
    alias_lines: frozenset[int]  # lines of ``type X = ...`` (now ``_=   X = ...``)


class _OffsetState(CodegenState):
    """Code generation that remembers the character span of the nodes we need to mask."""

    def __init__(self, module: cst.Module) -> None:
        super().__init__(
            default_indent=module.default_indent, default_newline=module.default_newline
        )
        self.offset = 0
        self.stack: list[int] = []
        self.spans: list[tuple[int, int, cst.CSTNode]] = []

    def add_indent_tokens(self) -> None:
        super().add_indent_tokens()
        self.offset += sum(len(token) for token in self.indent_tokens)

    def add_token(self, value: str) -> None:
        super().add_token(value)
        self.offset += len(value)

    def before_codegen(self, node: cst.CSTNode) -> None:
        self.stack.append(self.offset)

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self.stack.pop()
        if isinstance(node, (*_STRINGS, cst.TypeParameters, cst.TypeAlias)):
            self.spans.append((start, self.offset, node))


def _blank(span: str) -> str:
    """``span`` with every character but line breaks turned into as many bytes of filler."""
    return "".join(
        c if c in "\r\n" else "x" * len(c.encode("utf-8", "surrogatepass")) for c in span
    )


def _string(span: str) -> str:
    body = _blank(span)
    if "\n" not in body and "\r" not in body:
        return "'" + body[1:-1] + "'"
    if any(c in "\r\n" for c in body[:3] + body[-3:]):
        raise ValueError("cannot mask this string")
    return "'''" + body[3:-3] + "'''"


def mask(module: cst.Module, text: str) -> Masked:
    """Rewrite ``text`` (the code ``module`` was parsed from) for an older ``ast``.

    Raises ``ValueError`` when a construct cannot be hidden without moving other text.
    """
    state = _OffsetState(module)
    module._codegen(state)
    if "".join(state.tokens) != text:  # a libcst round-trip bug would shift every span
        raise ValueError("libcst does not reproduce this file exactly")
    line_starts = [0, *(m.end() for m in _NEWLINE.finditer(text))]
    pieces: list[str] = []
    type_params: dict[int, str] = {}
    alias_lines: set[int] = set()
    cursor = 0
    # Outer spans first; a span inside one already replaced is skipped.
    for start, end, node in sorted(state.spans, key=lambda s: (s[0], -s[1])):
        if start < cursor:
            continue
        span = text[start:end]
        line = bisect.bisect_right(line_starts, start)
        if isinstance(node, cst.TypeAlias):
            # "type X[T] = v" -> "_=   X    = v": the name and the value keep their columns.
            keyword = 4 + len(node.whitespace_after_type.value)
            end = start + keyword
            replacement = "_=" + " " * (keyword - 2)
            alias_lines.add(line)
        elif isinstance(node, cst.TypeParameters):
            if "\n" in span or "\r" in span:
                raise ValueError("type parameters over several lines")
            type_params[line] = span
            replacement = _blank(span).replace("x", " ")
        else:
            replacement = _string(span)
        pieces.append(text[cursor:start])
        pieces.append(replacement)
        cursor = end
    pieces.append(text[cursor:])
    return Masked("".join(pieces), type_params, frozenset(alias_lines))
