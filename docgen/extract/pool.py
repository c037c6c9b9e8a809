"""Run a per-file task over many files on every core, and never hang on a broken worker.

The libcst parse dominates a run, so files are spread over a process pool: biggest files first
(a late big file would leave one core idle), grouped into chunks of similar total size to cut
pickling round trips. The task is sent to each worker once, when it starts, so whatever it builds
on first use (a renderer, a writer) serves every file that worker gets. Results are yielded **as
chunks complete**, not in input order. A crashed worker (``BrokenProcessPool``) is not fatal:
the files not yet returned are run in this process instead.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from docgen.model import SourceFile, dump_records

T = TypeVar("T")

MIN_FILES_FOR_POOL = 8  # below this, starting workers costs more than it saves
CHUNKS_PER_WORKER = 12
MAX_CHUNK_FILES = 32


def run(
    files: Sequence[SourceFile], task: Callable[[SourceFile], T], *, jobs: int = 0
) -> Iterator[T]:
    """Run ``task`` on each of ``files`` with ``jobs`` processes (0: one per CPU; 1, or fewer
    than a handful of files: in this process, in input order). ``task`` must be picklable (a
    module-level function, or an object whose class is) and must not raise for a file; its
    results must pickle. An exception it raises anyway ends the run here, as it would
    in-process."""
    jobs = jobs or os.cpu_count() or 1
    if jobs <= 1 or len(files) < MIN_FILES_FOR_POOL:
        for file in files:
            yield task(file)
        return
    chunks = plan_chunks(files, jobs)
    done: set[int] = set()  # indices into chunks
    try:
        with ProcessPoolExecutor(
            max_workers=jobs, mp_context=_context(), initializer=_start, initargs=(task,)
        ) as pool:
            pending: dict[Future[bytes], int] = {
                pool.submit(_run_chunk, chunk): index for index, chunk in enumerate(chunks)
            }
            try:
                while pending:
                    finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in finished:
                        index = pending.pop(future)
                        # BrokenProcessPool surfaces here, from result().
                        results: list[T] = pickle.loads(future.result())
                        done.add(index)
                        yield from results
            finally:
                # The caller stopped early (or an error): do not wait for queued chunks.
                for future in pending:
                    future.cancel()
    except BrokenProcessPool:
        for index, chunk in enumerate(chunks):
            if index not in done:
                for file in chunk:
                    yield task(file)


def plan_chunks(files: Sequence[SourceFile], jobs: int) -> list[list[SourceFile]]:
    """Biggest files first, cut into chunks of about equal byte size (small files batch up)."""
    sized = sorted(((_size(f), f) for f in files), key=lambda item: -item[0])
    total = sum(size for size, _ in sized) or 1
    target = max(total // (jobs * CHUNKS_PER_WORKER), 1)
    chunks: list[list[SourceFile]] = []
    current: list[SourceFile] = []
    weight = 0
    for size, file in sized:
        current.append(file)
        weight += size
        if weight >= target or len(current) >= MAX_CHUNK_FILES:
            chunks.append(current)
            current, weight = [], 0
    if current:
        chunks.append(current)
    return chunks


class _Worker:
    """The task of this worker process, set once by the pool's initializer."""

    task: Callable[[SourceFile], Any] | None = None


def _start(task: Callable[[SourceFile], Any]) -> None:
    _Worker.task = task


def _run_chunk(chunk: list[SourceFile]) -> bytes:
    task = _Worker.task
    assert task is not None, "the pool's initializer sets the task"
    # libcst and ast trees hold no reference cycles, so the cyclic collector only burns time
    # (5-9 % of a worker's CPU) while a chunk is parsed; one collection afterwards is plenty.
    gc.disable()
    try:
        results = [task(file) for file in chunk]
    finally:
        gc.enable()
    return dump_records(results)  # the records pickled as cls(*fields): loads twice as fast


def _size(file: SourceFile) -> int:
    try:
        return os.stat(file.path).st_size
    except OSError:
        return 0


def _context() -> multiprocessing.context.BaseContext:
    """``fork`` is cheapest (libcst already imported); not safe once threads run, so then
    ``forkserver`` (POSIX) or the platform default."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        return multiprocessing.get_context("forkserver")
    return multiprocessing.get_context()
