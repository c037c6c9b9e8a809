"""Hostile inputs too big for the test suite: what happens to each, printed (not a test).

    python bench/bench_hostile.py            # the generated cases
    python bench/bench_hostile.py --stdlib   # also: the 3.13 standard library, documented and
                                             # built with mkdocs build --strict (many minutes)

Cases, each beside a few ordinary files in one run: a 10,000-term ``and`` chain (libcst's parser
crashes on it), a 100,000-term ``+`` expression (libcst parses it for many minutes; CPython cannot
compile it), 1,500 nested parentheses, a 1.9 MB single-line file, and 20,000 one-line functions
in one file (its page must stay under the size budget and build in well under a minute). For
each: the line docgen printed, whether the other files were documented, the wall time, and for
the big page its size and the time of ``mkdocs build --strict``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_run import PY313_STDLIB  # noqa: E402

CASES = {
    "and_chain.py": "x = (a\n" + "".join(" and a\n" for _ in range(10_000)) + ")\n",
    "plus_100k.py": "x = (1\n" + "+1+1+1\n" * 33_333 + ")\n",
    "parens.py": "x = " + "(" * 1500 + "1" + ")" * 1500 + "\n",
    "one_line.py": "x = [" + "1, " * 650_000 + "]\n",
    "many.py": "".join(f"def f{i}(x):  return x + {i}\n" for i in range(20_000)),
}


def docgen(args: list[str], cwd: Path) -> tuple[int, str, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_MKDOCS_2_WARNING": "1"}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "docgen", *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    return done.returncode, done.stdout + done.stderr, time.perf_counter() - started


def generated(work: Path) -> None:
    src = work / "src"
    src.mkdir()
    for name, text in CASES.items():
        (src / name).write_text(text, encoding="utf-8")
    for i in range(4):
        (src / f"ok{i}.py").write_text(f"def g{i}(x):\n    return x\n", encoding="utf-8")
    code, output, seconds = docgen(["src"], work)
    print(f"docgen src: exit {code} in {seconds:.1f} s")
    for name in CASES:
        lines = [line for line in output.splitlines() if name in line]
        print(f"  {name:14} {lines[0] if lines else '(documented)'}")
    ok = len(list((work / "docs" / "reference").glob("ok*.md")))
    print(f"  ordinary files documented: {ok} of 4; tracebacks: {output.count('Traceback')}")
    page = work / "docs" / "reference" / "many.md"
    if page.exists():
        print(f"  many.py page: {page.stat().st_size / 1024:.0f} KB")
    code, output, seconds = docgen(["build"], work)
    print(f"mkdocs build --strict: exit {code} in {seconds:.1f} s")
    code, output, seconds = docgen(["check", "src"], work)
    print(f"docgen check: exit {code} in {seconds:.1f} s")


def stdlib(work: Path) -> None:
    root = PY313_STDLIB
    if not root.is_dir():
        print(f"no Python 3.13 standard library at {root}")
        return
    code, output, seconds = docgen([str(root), "-q"], work)
    print(f"stdlib 3.13: docgen exit {code} in {seconds:.0f} s")
    code, output, seconds = docgen(["build"], work)
    print(f"stdlib 3.13: mkdocs build --strict exit {code} in {seconds:.0f} s")
    if code:
        print("\n".join(output.splitlines()[-5:]))
    code, output, seconds = docgen(["check", str(root)], work)
    print(f"stdlib 3.13: docgen check exit {code} in {seconds:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stdlib", action="store_true", help="also document and build 3.13's")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        generated(Path(tmp))
    if args.stdlib:
        with tempfile.TemporaryDirectory() as tmp:
            stdlib(Path(tmp))


if __name__ == "__main__":
    main()
