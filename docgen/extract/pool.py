"""Run a per-file task over many files in worker processes that may die, hang or blow up.

The libcst parse dominates a run, so files are spread over worker processes, one per core:
biggest files first (a late big file would leave one core idle), grouped into chunks of similar
total size. The task is sent to each worker once, when it starts, so whatever it builds on first
use (a renderer, a writer) serves every file that worker gets. Results are yielded **as they
complete**, not in input order.

A worker is a process of its own because the parser is native code: a file can crash it
(libcst overflows its stack on some very long expressions), hang it, or make it allocate
gigabytes, and none of that may take the run down. So each file has a time limit, each worker a
memory limit, and the parent watches them: a worker that dies or overruns is killed, the file it
was on is reported through ``on_failure``, and a fresh worker takes the rest of its chunk.
Workers ignore Ctrl-C; the parent stops them all at once when it is interrupted or when its
caller stops early, so an interrupt ends the run within moments and prints no worker traceback.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import pickle
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any, TypeVar

from docgen.model import SourceFile, dump_records

T = TypeVar("T")

CHUNKS_PER_WORKER = 12
MAX_CHUNK_FILES = 32
DEFAULT_TIMEOUT = 60.0  # seconds for one file
DEFAULT_MEMORY = 3 * 1024**3  # bytes of address space a worker may add to what it starts with
# With jobs=0, one worker per this much source at most. A worker costs about 0.3 s of CPU to
# start (it loads libcst) and documents about 110 KB a second (the 3.13 stdlib: 33 MB in some
# 300 s of CPU): below this a second worker would save under a quarter of a second of wall time
# and cost more CPU than that, in a model run on the cores that load the openai package.
BYTES_PER_WORKER = 50_000


def run(
    files: Sequence[SourceFile],
    task: Callable[[SourceFile], T],
    *,
    on_failure: Callable[[SourceFile, str], T] | None = None,
    jobs: int = 0,
    timeout: float = DEFAULT_TIMEOUT,
    memory: int = DEFAULT_MEMORY,
) -> Iterator[T]:
    """Run ``task`` on each of ``files`` in ``jobs`` worker processes (0: one per CPU, fewer
    for a small project: see :data:`BYTES_PER_WORKER`).

    The workers start and get their first files at once, not when the first result is asked
    for: the caller may do other work meanwhile (a model run loads the openai package). ``task``
    must be picklable (a module-level function, or an object whose class is) and its results
    must pickle; an exception it raises ends the run here, as it would in-process. A file whose
    worker crashed or ran out of ``timeout`` seconds gives ``on_failure(file, reason)`` (without
    one, the reason is raised as :class:`WorkerFailed`). ``memory`` (bytes, 0: no limit) caps
    what each worker may allocate.
    """
    if not files:
        return iter(())
    if not jobs:
        total = sum(_size(f) for f in files)
        jobs = min(os.cpu_count() or 1, 1 + total // BYTES_PER_WORKER)
    queue: deque[list[SourceFile]] = deque(plan_chunks(files, jobs))
    context = _context()
    workers = [_Worker.start(context, task, memory) for _ in range(min(jobs, len(queue)))]
    try:
        for worker in workers:
            worker.give(queue, timeout)
    except BaseException:
        for worker in workers:
            worker.stop()
        raise
    return _results(workers, queue, task, on_failure, timeout, memory)


def _results(
    workers: list[_Worker],
    queue: deque[list[SourceFile]],
    task: Callable[[SourceFile], T],
    on_failure: Callable[[SourceFile, str], T] | None,
    timeout: float,
    memory: int,
) -> Iterator[T]:
    try:
        while any(w.pending for w in workers):
            busy = [w for w in workers if w.pending]
            deadline = min(w.deadline for w in busy)
            ready = set(wait([w.conn for w in busy], timeout=max(deadline - time.monotonic(), 0)))
            for index, worker in enumerate(workers):
                if not worker.pending:
                    continue
                # poll too: a message may have come while the caller used the last result
                if worker.conn in ready or worker.conn.poll():
                    kind, value = _receive(worker)
                elif time.monotonic() >= worker.deadline:
                    kind, value = "failed", f"the parser took longer than {timeout:g} s"
                else:
                    continue
                if kind == "ok":
                    worker.pending.popleft()
                    yield value
                    worker.deadline = time.monotonic() + timeout
                    if not worker.pending:
                        worker.give(queue, timeout)
                    continue
                # the worker failed on its current file: a fresh one takes the rest
                file = worker.pending.popleft()
                if worker.pending:
                    queue.appendleft(list(worker.pending))
                worker.stop()
                # chosen again: a thread may have started since (a model run's import)
                workers[index] = worker = _Worker.start(_context(), task, memory)
                worker.give(queue, timeout)
                if on_failure is None:
                    raise WorkerFailed(f"{file.rel_path}: {value}")
                yield on_failure(file, value)
    finally:
        for worker in workers:
            worker.stop()


class WorkerFailed(Exception):
    """A worker crashed or overran its time on a file, and the caller gave no ``on_failure``."""


def _receive(worker: _Worker) -> tuple[str, Any]:
    """The worker's next message: ("ok", result) or ("failed", reason); a task's own exception
    is raised here."""
    try:
        kind, value = pickle.loads(worker.conn.recv_bytes())
    except (EOFError, OSError):
        return "failed", _death(worker)
    if kind == "error":
        raise value
    return kind, value


def _death(worker: _Worker) -> str:
    worker.process.join(1.0)
    code = worker.process.exitcode
    if code is not None and code < 0:
        with contextlib.suppress(ValueError):
            return f"the parser crashed ({signal.Signals(-code).name})"
        return f"the parser crashed (signal {-code})"
    if code:
        return f"the parser crashed (exit code {code}; out of memory?)"
    return "the parser crashed"


@dataclass(eq=False)
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: Connection
    pending: deque[SourceFile] = field(default_factory=deque)
    deadline: float = float("inf")

    @classmethod
    def start(cls, context: Any, task: Callable[[SourceFile], Any], memory: int) -> _Worker:
        parent, child = context.Pipe()
        process = context.Process(target=_serve, args=(child, task, memory), daemon=True)
        process.start()
        child.close()
        return cls(process, parent)

    def give(self, queue: deque[list[SourceFile]], timeout: float) -> None:
        """Send the next chunk, if any."""
        if not queue:
            return
        chunk = queue.popleft()
        self.pending = deque(chunk)
        self.deadline = time.monotonic() + timeout
        self.conn.send_bytes(pickle.dumps(chunk, pickle.HIGHEST_PROTOCOL))

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5.0)
        self.conn.close()


def _serve(conn: Connection, task: Callable[[SourceFile], Any], memory: int) -> None:
    """A worker: run ``task`` on each file of each chunk received, one message per file."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when the run stops
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler: just end
    if memory:
        _limit_memory(memory)
    while True:
        try:
            chunk: list[SourceFile] = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return
        # libcst and ast trees hold no reference cycles, so the cyclic collector only burns time
        # (5-9 % of a worker's CPU) while a chunk is parsed; one collection afterwards is plenty.
        gc.disable()
        try:
            for file in chunk:
                try:
                    message = dump_records(("ok", task(file)))
                except MemoryError:
                    message = pickle.dumps(("failed", "the parser ran out of memory"))
                except Exception as err:
                    try:
                        message = pickle.dumps(("error", err))
                    except Exception:  # an exception that does not pickle: its text does
                        message = pickle.dumps(("error", RuntimeError(f"{file.path}: {err!r}")))
                conn.send_bytes(message)
        finally:
            gc.enable()


def _limit_memory(extra: int) -> None:
    """Cap this process's address space at what it uses now plus ``extra`` bytes (Linux)."""
    try:
        import resource

        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[0])
        limit = pages * os.sysconf("SC_PAGE_SIZE") + extra
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, OSError, ValueError):
        pass  # not Linux: no cap


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
