"""A unit's *outline*: its source with every function body left out.

A class or a module is documented from its outline, not its full text: signatures, docstrings,
attributes and module-level code, with each function body replaced by ``...``. The chat writer
sends the outline in the prompt, and the cache keys the answer on it, so editing one function's
body changes only that function's key and the prompt never holds text the key does not cover.
"""

from __future__ import annotations

import functools
import io
import re
import tokenize
from collections.abc import Iterable

from docgen.model import ClassInfo, FunctionInfo, ModuleInfo

__all__ = ["outline"]


def outline(unit: ModuleInfo | ClassInfo) -> str:
    """The source of a module or class with each function body replaced by ``...``."""
    if isinstance(unit, ModuleInfo):
        return _skeleton(unit.source, unit.functions, unit.classes)
    return _skeleton(unit.source, unit.methods, unit.classes)


_DEF_LINE = re.compile(r"^[ \t]*(?:async[ \t]+)?def\b", re.MULTILINE)


@functools.lru_cache(maxsize=8192)
def _header(source: str) -> str:
    """The decorators and ``def ...:`` line(s) of a function's source, without the body."""
    found = _DEF_LINE.search(source)
    if found is not None:  # the common case, without tokenizing: no strings nor comments
        depth, pos = 0, found.start()
        while True:
            end = source.find("\n", pos)
            line = source[pos:] if end < 0 else source[pos:end]
            if any(c in line for c in "'\"#\\"):
                break
            depth += _brackets(line)
            stripped = line.rstrip()
            if depth == 0:
                if stripped.endswith(":"):
                    return source[:pos] + stripped
                break
            if end < 0:
                break
            pos = end + 1
    return _header_tokenized(source)


def _brackets(line: str) -> int:
    return sum(line.count(c) for c in "([{") - sum(line.count(c) for c in ")]}")


def _header_tokenized(source: str) -> str:
    depth = 0
    seen_def = False
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.NAME and token.string == "def":
                seen_def = True
            elif token.type == tokenize.OP and token.string in "([{":
                depth += 1
            elif token.type == tokenize.OP and token.string in ")]}":
                depth -= 1
            elif seen_def and depth == 0 and token.type == tokenize.OP and token.string == ":":
                row, col = token.end
                lines = source.splitlines(keepends=True)
                return "".join(lines[: row - 1]) + lines[row - 1][:col]
    except (tokenize.TokenError, SyntaxError):
        pass
    return source  # not understood: the whole text, which is only too careful


def _signature_stub(function: FunctionInfo) -> str:
    """What a class or module doc may say about a function: its header, docstring and ``...``."""
    header = _header(function.source)
    def_line = next(
        (line for line in header.splitlines() if line.lstrip().startswith(("def", "async"))),
        header,
    )
    indent = " " * (len(def_line) - len(def_line.lstrip()) + 4)
    doc = f'{indent}"""{function.docstring}"""\n' if function.docstring else ""
    return f"{header}\n{doc}{indent}..."


def _skeleton(text: str, functions: Iterable[FunctionInfo], classes: Iterable[ClassInfo]) -> str:
    """``text`` with each function's source replaced by its signature, recursively for classes.

    The parts are looked up in source order, each after the previous one. A part not found
    verbatim is appended whole: the hash then changes with any edit of it, which is safe, only
    not as cheap.
    """
    parts: list[tuple[int, str, str]] = [
        (c.line_start, c.source, _skeleton(c.source, c.methods, c.classes)) for c in classes
    ]
    parts += [(f.line_start, f.source, _signature_stub(f)) for f in functions]
    parts.sort(key=lambda part: part[0])
    pieces: list[str] = []
    missing: list[str] = []
    cursor = 0
    for _, source, replacement in parts:
        at = text.find(source, cursor) if source else -1
        if at < 0:
            missing += (replacement, source)
            continue
        pieces += (text[cursor:at], replacement)
        cursor = at + len(source)
    pieces.append(text[cursor:])
    return "".join(pieces + missing)
