"""Parse one file and build its records: bytes in, a ``ModuleInfo`` or a ``Problem`` out.

libcst is the parser of record: every file is parsed with ``libcst.parse_module``, its syntax
errors are the ones reported, and whatever it accepts is documented. Positions and exact text
come from one ``ast.parse`` of the same text, because libcst's ``PositionProvider`` costs more
than twice the parse itself while ``ast`` costs under a tenth of it; the ``ast`` tree is walked
for structure (:mod:`docgen.extract.units`) and every text is a byte-exact slice of the file.
Syntax newer than the running Python's ``ast`` is masked first (:mod:`docgen.extract.mask`).
No libcst or ast object leaves this module.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import libcst as cst
from libcst import native

from docgen.errors import ExtractError
from docgen.extract.mask import mask
from docgen.extract.text import EMPTY_FILE, ONLY_COMMENTS, SourceText, decode
from docgen.extract.units import Extractor
from docgen.model import ExtractResult, ModuleInfo, Problem, SourceFile

__all__ = ["EMPTY_FILE", "MAX_BYTES", "ONLY_COMMENTS", "extract_file", "extract_source"]

MAX_BYTES = 2 * 1024 * 1024
MAX_LINES = 50_000
MAX_LINE_BYTES = 50_000  # a longer line is generated or minified (and slow for libcst to parse)
# Python runs only ASCII-compatible encodings: UTF-16 and UTF-32 sources cannot be run either
_WIDE_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
              (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"))  # fmt: skip


def _wide_encoding(raw: bytes) -> str | None:
    """UTF-16 or UTF-32, by a byte order mark or by the NUL bytes of ASCII text in them."""
    for bom, name in _WIDE_BOMS:
        if raw.startswith(bom):
            return name
    head = raw[:64]
    if len(head) >= 8 and head[1::2].count(0) == len(head) // 2:
        return "UTF-32" if head[2::4].count(0) == len(head) // 4 else "UTF-16"
    if len(head) >= 8 and head[0::2].count(0) == len(head) // 2:
        return "UTF-16"
    return None


def extract_source(
    source: str | bytes, *, module: str, path: str, is_package: bool = False
) -> ModuleInfo:
    """Extract one module from its source (bytes are decoded as Python would)."""
    if isinstance(source, bytes):
        raw = source
        wide = _wide_encoding(raw)
        if wide is not None:
            reason = f"{wide} is not supported (Python cannot run it either): convert it to UTF-8"
            raise ExtractError(Problem(path, None, reason))
        if b"\0" in raw:
            raise ExtractError(
                Problem(path, _line_of(raw, raw.index(b"\0")), "file contains NUL bytes")
            )
        try:
            text = decode(raw)
        except (SyntaxError, UnicodeDecodeError, LookupError) as err:
            line = _line_of(raw, err.start) if isinstance(err, UnicodeDecodeError) else None
            raise ExtractError(Problem(path, line, f"cannot decode the file: {err}")) from None
    else:
        text = source[1:] if source.startswith("\ufeff") else source
        raw = text.encode("utf-8", "surrogatepass")
        if "\0" in text:
            raise ExtractError(
                Problem(path, text.count("\n", 0, text.index("\0")) + 1, "file contains NUL bytes")
            )
    if len(raw) > MAX_BYTES:
        raise ExtractError(
            Problem(
                path,
                None,
                f"file too large ({len(raw)} bytes, limit {MAX_BYTES}), probably generated",
            )
        )
    src = SourceText(text)
    if src.line_count > MAX_LINES:
        raise ExtractError(
            Problem(
                path,
                None,
                f"file too large ({src.line_count} lines, limit {MAX_LINES}), probably generated",
            )
        )
    widest = max(map(int.__sub__, src.starts[1:], src.starts[:-1]), default=len(src.data))
    if widest > MAX_LINE_BYTES:
        reason = (
            f"a line of {widest} bytes (limit {MAX_LINE_BYTES}): probably generated or minified"
        )
        raise ExtractError(Problem(path, None, reason))
    tree, masked = _parse(text, path)
    if not tree.body and not text.strip():
        raise ExtractError(Problem(path, None, EMPTY_FILE))
    if not tree.body:
        raise ExtractError(Problem(path, None, ONLY_COMMENTS))
    walker = Extractor(
        src,
        module,
        masked.type_params if masked else {},
        masked.alias_lines if masked else frozenset(),
        masked=masked is not None,
    )
    return walker.module(
        tree, path=path, source_hash=hashlib.sha256(raw).hexdigest(), is_package=is_package
    )


def extract_file(file: SourceFile) -> ExtractResult:
    """Read and extract one file. Never raises: a bad file gives a ``Problem``."""
    try:
        with open(file.path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
            if len(raw) > MAX_BYTES:
                handle.seek(0)
                digest = hashlib.file_digest(handle, "sha256").hexdigest()
                reason = f"file too large (over {MAX_BYTES} bytes), probably generated"
                return ExtractResult(file, None, Problem(file.rel_path, None, reason), digest)
    except OSError as err:
        reason = f"cannot read the file: {err.strerror or err}"
        return ExtractResult(file, None, Problem(file.rel_path, None, reason))
    digest = hashlib.sha256(raw).hexdigest()
    try:
        info = extract_source(
            raw, module=file.module, path=file.rel_path, is_package=file.is_package
        )
    except ExtractError as err:
        return ExtractResult(file, None, err.problem, digest)
    except (RecursionError, MemoryError) as err:
        reason = f"too deeply nested to analyse ({type(err).__name__})"
        return ExtractResult(file, None, Problem(file.rel_path, None, reason), digest)
    except Exception as err:  # a bug here must not stop the run: report it for this file
        reason = f"internal error while extracting: {type(err).__name__}: {err}"
        return ExtractResult(file, None, Problem(file.rel_path, None, reason), digest)
    return ExtractResult(file, info, source_hash=digest)


# --------------------------------------------------------------------------------------------


def _line_of(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1


@cache
def _node_names() -> tuple[str, ...]:
    """The names libcst exports its node classes under: where its native parser looks up each
    node's class to build it (``getattr(libcst, "Name")``, then a call with the fields)."""
    return tuple(
        name
        for name, value in vars(cst).items()
        if isinstance(value, type) and issubclass(value, cst.CSTNode)
    )


@contextmanager
def _nothing_built() -> Iterator[None]:
    """libcst's native parser building nothing, for text CPython's own parser has accepted.

    There the tree is only the verdict: whether libcst accepts the text (positions and text
    come from ``ast``), and it is dropped at once. The native parser still reads all of the
    text and converts every node for Python, but each node's class, looked up by name in the
    ``libcst`` module, is ``"".format`` for the parse: a C function that takes any fields as
    keywords, makes no object and returns the empty string, so no node is allocated, checked
    or freed. Each node also imports ``libcst`` again (``PyImport_Import`` calls
    ``__import__``, some 4,400 times for this module's text, and then reads ``sys.modules``
    for what it discards): ``__import__`` is the same no-op meanwhile, when no other thread
    could import (2.41-2.45 s instead of 2.46-2.65 s on 150 stdlib files, three rounds). On
    those files the verdicts took 2.45 s of CPU instead of 2.75 s with the empty dataclass
    nodes used before (each class's ``__init__`` a ``dict.update``), three alternated rounds;
    on the 6,806 files of the 3.13
    standard library and this venv's site-packages that ``ast`` accepts, every verdict was
    libcst's own (real nodes, checks included) and none needed the fallback of
    :func:`_verdict`. Text ``ast`` refuses gets real, checked nodes: libcst decides it, and the
    mask needs them."""
    space = vars(cst)
    names = _node_names()
    classes = [space[name] for name in names]
    nothing = "".format
    real_import = builtins.__import__
    alone = threading.active_count() == 1
    for name in names:
        space[name] = nothing
    if alone:
        builtins.__import__ = nothing
    try:
        yield
    finally:
        builtins.__import__ = real_import
        space.update(zip(names, classes, strict=True))


def _verdict(text: str) -> None:
    """Parse ``text`` with libcst for its verdict alone (a ``ParserSyntaxError`` or nothing).
    Should libcst ever use a node it made, the missing node fails it: the text is parsed again
    with real nodes, so the verdict is never the no-op's."""
    try:
        with _nothing_built():
            native.parse_module(text, "utf-8")  # what libcst.parse_module does with a str
    except cst.ParserSyntaxError:
        raise
    except Exception:
        # the node checks guard hand-built trees: text ast accepted never needed them
        with contextlib.suppress(cst.CSTValidationError):
            cst.parse_module(text)


def _parse(text: str, path: str):
    """libcst decides what is valid; ``ast`` gives positions (through the mask if needed).

    ``ast`` goes first: what CPython itself cannot compile for nesting (too many parentheses,
    an expression too deep to build) is reported without handing it to libcst, whose native
    parser can overflow its stack on it. A syntax error is reported with CPython's words and
    line when libcst's cannot be trusted (its tokenizer errors all say line 1)."""
    tree, ast_error = None, None
    try:
        tree = ast.parse(text)
    except SyntaxError as err:
        ast_error = err
        if "too many nested" in err.msg:
            raise ExtractError(Problem(path, err.lineno, f"syntax error: {err.msg}")) from None
    except (RecursionError, MemoryError) as err:
        reason = f"too deeply nested: Python cannot compile it either ({type(err).__name__})"
        raise ExtractError(Problem(path, None, reason)) from None
    try:
        if tree is None:
            module = cst.parse_module(text)
        else:
            _verdict(text)
    except cst.ParserSyntaxError as err:
        tokenizer = err.message.startswith("tokenizer error")
        if tree is not None:
            reason = f"libcst cannot parse this (valid Python): {err.message}"
            raise ExtractError(Problem(path, None if tokenizer else err.raw_line, reason)) from None
        line, reason = err.raw_line, err.message
        if ast_error is not None and ast_error.lineno and (tokenizer or ast_error.lineno <= line):
            line, reason = ast_error.lineno, ast_error.msg  # CPython pins it down better
        raise ExtractError(Problem(path, line, f"syntax error: {reason}")) from None
    if tree is not None:
        return tree, None
    try:
        masked = mask(module, text)
        return ast.parse(masked.text), masked
    except (SyntaxError, ValueError) as err:
        line = getattr(err, "lineno", None)
        reason = f"syntax this Python's ast cannot read: {getattr(err, 'msg', err)}"
        raise ExtractError(Problem(path, line, reason)) from None
