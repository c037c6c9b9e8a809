"""The extract stage: Python files in, ``ModuleInfo`` records (classes, functions, flow) out.

:func:`extract_all` is the stage: it takes each file's parse from the cache when the file's bytes,
name and this package's code are unchanged, and parses the rest on every core
(:mod:`~docgen.extract.pool`), storing each new parse under the hash of the bytes the worker
actually read. A caller may give a ``then`` task that runs on each result where it was parsed
(the offline writer documents and renders there, so pages stream).

Inside: :mod:`~docgen.extract.parse` (libcst decides, ``ast`` gives positions),
:mod:`~docgen.extract.mask`, :mod:`~docgen.extract.text`, :mod:`~docgen.extract.units`,
:mod:`~docgen.extract.flow`, and :mod:`~docgen.extract.outline` (a unit's text without function
bodies, which prompts and cache keys use).
"""

from __future__ import annotations

import gc
import hashlib
import pickle
import sys
import zlib
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from docgen.extract import pool
from docgen.extract.text import EMPTY_FILE, ONLY_COMMENTS
from docgen.model import ExtractResult, ModuleInfo, Problem, SourceFile, pack_records
from docgen.store.cache import Cache
from docgen.store.keys import canonical_hash, file_hash

__all__ = [
    "EMPTY_FILE",
    "EXTRACTOR_SOURCES",
    "ONLY_COMMENTS",
    "extract_all",
    "extract_file",
    "extract_source",
    "fingerprint",
    "quiet_gc",
]


def __getattr__(name: str) -> Any:
    """``extract_file`` and ``extract_source`` load libcst (0.3 s) on first use: a process that
    only hands files to the parser workers (a model run's) never needs it."""
    if name in ("extract_file", "extract_source"):
        from docgen.extract import parse

        return getattr(parse, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


EXTRACT_FORMAT = 1  # bump to drop every cached parse without touching the code
# What a stored ModuleInfo depends on, relative to the docgen package: this package, the records
# and the shared text rules. tests/test_fingerprints.py fails when a module reachable from here
# by import is missing.
EXTRACTOR_SOURCES = ("extract/*.py", "model/*.py", "markup.py", "errors.py")


@cache
def fingerprint() -> str:
    """sha256 over :data:`EXTRACTOR_SOURCES`, the Python version and :data:`EXTRACT_FORMAT`:
    any change to how a ModuleInfo is made or shaped drops the cached parses."""
    here = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256(f"{EXTRACT_FORMAT}:{sys.version_info[:2]}".encode())
    for source in sorted({p for pattern in EXTRACTOR_SOURCES for p in here.glob(pattern)}):
        digest.update(source.relative_to(here).as_posix().encode() + b"\0")
        digest.update(source.read_bytes())
    return digest.hexdigest()


def _key(mark: str, sha256: str, file: SourceFile) -> str:
    return canonical_hash([mark, sha256, file.module, file.rel_path, file.is_package])


class _Parse:
    """In a worker: extract one file, make its cache record, then run ``then`` on the result.
    The record is keyed on the hash of the bytes this worker read, so a file edited during the
    run is stored as it was parsed."""

    def __init__(self, mark: str, then: Callable[[ExtractResult], Any] | None) -> None:
        self.mark = mark
        self.then = then

    def __call__(self, file: SourceFile) -> tuple[str, bytes, Any]:
        import docgen.extract as package  # libcst is loaded here, in the workers only

        result = package.extract_file(file)
        key, blob = "", b""
        if result.module is not None:
            key = _key(self.mark, result.module.source_hash, file)
            blob = pack_records(result.module)
        return key, blob, (self.then(result) if self.then else result)


class _Failed:
    """Here: the result of a file whose worker crashed or overran, as a problem."""

    def __init__(self, then: Callable[[ExtractResult], Any] | None) -> None:
        self.then = then

    def __call__(self, file: SourceFile, reason: str) -> tuple[str, bytes, Any]:
        problem = Problem(file.rel_path, None, reason)
        result = ExtractResult(file, None, problem, file_hash(file.path) or "")
        return "", b"", (self.then(result) if self.then else result)


def _load(blob: bytes, file: SourceFile) -> ModuleInfo | None:
    try:
        info = pickle.loads(zlib.decompress(blob))
    except Exception:  # our own record, but damaged or from older classes: a miss
        return None
    ok = isinstance(info, ModuleInfo) and (info.name, info.path) == (file.module, file.rel_path)
    return info if ok else None


def extract_all(
    files: Sequence[SourceFile],
    *,
    cache: Cache,
    jobs: int = 0,
    then: Callable[[ExtractResult], Any] | None = None,
    force: bool = False,
    timeout: float = pool.DEFAULT_TIMEOUT,
    memory: int = pool.DEFAULT_MEMORY,
) -> Iterator[Any]:
    """One result per file, never raising for a file: an :class:`ExtractResult`, or what
    ``then`` made of it. Cached parses come first (in input order, ``then`` run here); parsed
    files follow as the workers return them. The cache is read and the workers start when this
    is called, so the caller may prepare something else before it iterates. ``force`` ignores
    the cached parses; ``timeout`` (seconds per file) and ``memory`` (bytes per worker) bound
    the parser: a file that crashes it or overruns is one problem, and the rest go on."""
    mark = fingerprint()
    keys = {f.path: _key(mark, file_hash(f.path) or "", f) for f in files}
    found = {} if force else cache.get_module_blobs(keys.values())
    todo: list[SourceFile] = []
    cached: list[ExtractResult] = []
    for file in files:
        blob = found.get(keys[file.path])
        module = _load(blob, file) if blob is not None else None
        if module is None:
            todo.append(file)
        else:
            cached.append(ExtractResult(file, module, source_hash=module.source_hash))
    failed = _Failed(then)
    parse = _Parse(mark, then)
    results = pool.run(todo, parse, on_failure=failed, jobs=jobs, timeout=timeout, memory=memory)
    return _all(cached, results, cache, then)


def _all(
    cached: list[ExtractResult],
    results: Iterator[tuple[str, bytes, Any]],
    cache: Cache,
    then: Callable[[ExtractResult], Any] | None,
) -> Iterator[Any]:
    for result in cached:
        yield then(result) if then else result
    for key, blob, result in results:
        if blob:
            cache.put_module_blobs([(key, blob)])
        yield result


class quiet_gc:
    """Collect cyclic garbage rarely during a run: the records are acyclic, and a big run holds
    hundreds of thousands of them, which the collector would otherwise walk again and again
    (measured on the standard library: see docs/benchmarks.md, "Garbage collection")."""

    def __enter__(self) -> None:
        self.thresholds = gc.get_threshold()
        gc.freeze()
        gc.set_threshold(100_000, 50, 1000)

    def __exit__(self, *exc: object) -> None:
        gc.set_threshold(*self.thresholds)
        gc.unfreeze()
