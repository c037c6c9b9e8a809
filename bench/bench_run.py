"""Time docgen's extract stage against bare libcst parsing (prints numbers; not a test).

    python bench/bench_run.py [DIR] [--limit N] [--jobs N]

(a) single-process ``libcst.parse_module`` of every ``.py`` file under DIR, (b) extraction in
the worker processes (no cache), then the ratio b/a and the peak RSS of this process and its
children. DIR defaults to the Python 3.13 stdlib of pyenv when present, else the running
Python's stdlib. ``bare_parse_seconds`` and ``peak_rss_mb`` are meant to be reused by a
whole-run benchmark.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import sysconfig
import time
from collections.abc import Sequence
from pathlib import Path

import libcst as cst

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from docgen.extract import extract_file, pool
from docgen.model import SourceFile

PY313_STDLIB = Path("/root/.pyenv/versions/3.13.0/lib/python3.13")


def default_root() -> Path:
    return PY313_STDLIB if PY313_STDLIB.is_dir() else Path(sysconfig.get_paths()["stdlib"])


def python_files(root: Path, limit: int | None = None) -> list[SourceFile]:
    """Every ``.py`` file under ``root`` (sorted), as SourceFile records."""
    paths = sorted(p for p in root.rglob("*.py") if p.is_file())
    if limit:
        paths = paths[:limit]
    out = []
    for path in paths:
        rel = path.relative_to(root).as_posix()
        module = rel.removesuffix(".py").replace("/", ".").removesuffix(".__init__")
        out.append(SourceFile(str(path), rel, module, path.name == "__init__.py"))
    return out


def bare_parse_seconds(files: Sequence[SourceFile]) -> tuple[float, int]:
    """Seconds to ``libcst.parse_module`` every file in this process, and how many parsed.

    Wall time; ``time.process_time()`` around a call gives the CPU time when the machine is
    shared (other load makes wall times of two runs incomparable)."""
    datas = [Path(f.path).read_bytes() for f in files]
    parsed = 0
    start = time.perf_counter()
    for data in datas:
        try:
            cst.parse_module(data)
            parsed += 1
        except Exception:
            pass
    return time.perf_counter() - start, parsed


def cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children so far."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def extract_seconds(files: Sequence[SourceFile], jobs: int = 0) -> tuple[float, float, int, int]:
    """Wall and CPU seconds for ``extract_all`` over ``files``, modules and problems counted."""
    modules = problems = 0
    cpu = cpu_seconds()
    start = time.perf_counter()
    for result in pool.run(files, extract_file, jobs=jobs):
        if result.module is not None:
            modules += 1
        else:
            problems += 1
    return time.perf_counter() - start, cpu_seconds() - cpu, modules, problems


def peak_rss_mb() -> tuple[float, float]:
    """Peak resident set size in MiB of this process and of its largest finished child."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", type=Path, default=None)
    parser.add_argument("--limit", type=int, default=None, help="only the first N files")
    parser.add_argument("--jobs", type=int, default=0, help="extract_all jobs (0: all CPUs)")
    parser.add_argument("--skip-bare", action="store_true", help="do not time the bare parse")
    args = parser.parse_args(argv)
    root = args.root or default_root()
    files = python_files(root, args.limit)
    print(f"{len(files)} files under {root}")
    extract_time, extract_cpu, modules, problems = extract_seconds(files, args.jobs)
    print(
        f"extract_all(jobs={args.jobs}): {extract_time:.2f} s wall, {extract_cpu:.2f} s CPU"
        f" ({modules} modules, {problems} problems)"
    )
    own, children = peak_rss_mb()
    print(f"peak RSS: {own:.0f} MiB this process, {children:.0f} MiB largest worker")
    if not args.skip_bare:
        cpu = time.process_time()
        bare, parsed = bare_parse_seconds(files)
        bare_cpu = time.process_time() - cpu
        print(
            f"bare libcst.parse_module, one process: {bare:.2f} s wall, {bare_cpu:.2f} s CPU"
            f" ({parsed} parsed)"
        )
        print(f"ratio extract_all / bare parse, wall: {extract_time / bare:.3f}")
        cores = min(args.jobs or os.cpu_count() or 1, os.cpu_count() or 1)
        print(
            f"ratio by CPU, spread over {cores} cores (what an idle machine would show):"
            f" {extract_cpu / cores / bare_cpu:.3f}"
        )
        print(f"load average now: {os.getloadavg()[0]:.2f} (other load skews wall times)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
