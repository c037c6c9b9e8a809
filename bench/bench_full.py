"""Time whole ``docgen`` runs against bare libcst parsing (prints numbers; not a test).

    python bench/bench_full.py [DIR] [--skip-bare] [--keep]

On the files docgen discovers under DIR (default: the Python 3.13 standard library of pyenv when
present, else the running Python's), it measures in one go, so the ratios compare runs made under
the same machine load:

1. single-process bare ``libcst.parse_module`` of every file (wall and CPU);
2. a cold offline run of ``python -m docgen DIR`` into a temporary folder (empty cache): wall,
   CPU of the whole process tree, peak RSS of the largest docgen process;
3. a no-change rerun (target: at least 5x faster than the bare parse);
4. a run with ``--lang en``: every page is rendered again, but the parses come from the
   extraction cache.

Targets (issues 2 and 4): cold run <= 0.67x the bare parse on 2 cores, peak RSS < 500 MB,
no-change run >= 5x faster than the bare parse.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_run import bare_parse_seconds, default_root

from docgen.discover import discover

ROOT = Path(__file__).resolve().parents[1]


def children_usage() -> tuple[float, float]:
    """CPU seconds and peak RSS (MiB) of the finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def docgen_run(root: Path, work: Path, *extra: str) -> tuple[float, float]:
    """Wall and CPU seconds of one ``docgen`` run (the process and its workers)."""
    command = [
        sys.executable,
        "-m",
        "docgen",
        str(root),
        "--out",
        str(work / "docs"),
        "--mkdocs-yml",
        str(work / "mkdocs.yml"),
        "--cache-dir",
        str(work / ".docgen"),
        "-q",
        *extra,
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY"):
        env.pop(name, None)
    cpu_before, _ = children_usage()
    start = time.perf_counter()
    done = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    cpu_after, _ = children_usage()
    if done.returncode != 0:
        raise SystemExit(f"docgen exited {done.returncode}:\n{done.stderr[-2000:]}")
    return wall, cpu_after - cpu_before


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", type=Path, default=None)
    parser.add_argument("--skip-bare", action="store_true", help="do not time the bare parse")
    parser.add_argument("--keep", action="store_true", help="keep the generated site")
    args = parser.parse_args()
    root = (args.root or default_root()).resolve()
    files = discover([str(root)]).files
    print(f"{len(files)} files discovered under {root}; {os.cpu_count()} cores")

    work = Path(tempfile.mkdtemp(prefix="docgen-bench-"))
    try:
        bare = bare_cpu = None
        if not args.skip_bare:
            cpu = time.process_time()
            bare, _ = bare_parse_seconds(files)
            bare_cpu = time.process_time() - cpu
            print(f"bare libcst.parse_module, 1 process: {bare:7.2f} s wall {bare_cpu:7.2f} s CPU")

        cold, cold_cpu = docgen_run(root, work)
        _, peak = children_usage()
        print(f"docgen cold run (offline):           {cold:7.2f} s wall {cold_cpu:7.2f} s CPU")
        print(f"  peak RSS of the largest docgen process: {peak:.0f} MiB")
        again, again_cpu = docgen_run(root, work)
        print(f"docgen no-change rerun:              {again:7.2f} s wall {again_cpu:7.2f} s CPU")
        english, english_cpu = docgen_run(root, work, "--lang", "en")
        print(
            f"docgen --lang en (parses cached):    {english:7.2f} s wall {english_cpu:6.1f} s CPU"
        )
        if bare:
            print(f"cold run / bare parse:     {cold / bare:.3f}   (target <= 0.67)")
            print(f"bare parse / no-change:    {bare / again:.1f}x   (target >= 5)")
            print(f"--lang en / bare parse:    {english / bare:.3f}")
        print(f"load average: {os.getloadavg()[0]:.2f} (other load skews wall times)")
    finally:
        if args.keep:
            print(f"site kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
