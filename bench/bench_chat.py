"""Benchmark the chat writer: many small units against the fake server with a fixed latency.

The server (tests/openai_server.py) runs in a child process, so this process's CPU time is the
client's alone: prompts, the openai package, SSE parsing, validation and merging. The report
compares the whole run's wall time with the ideal ``ceil(requests / concurrency) x latency`` and
gives client CPU per request. Targets: at most 1.15x the ideal and 5 ms per request.

    python bench/bench_chat.py                       # 400 functions, latency 1.0 s, concurrency 32
    python bench/bench_chat.py --units 100 --latency 0.5 --concurrency 16
    python bench/bench_chat.py --process --chunks 300   # the whole docgen process, as users time it
    python bench/bench_chat.py --process --chunks 300 --repeat 5

``--process`` times what a user times: a fresh ``docgen`` process (start-up, discovery,
extraction, requests, pages, manifest) on a generated project of ``--units`` units (20 modules
and their functions), from start to exit, against the server in another process streaming each
answer in ``--chunks`` chunks. Its CPU (user + system, from the child's rusage) is divided by the
requests it sent. Targets: wall within 1.15x of the ideal and under 10 ms CPU per request.
docgen is byte-compiled first, as an installed copy is, and each run reports a speed anchor (the
CPU time of a fixed loop, before and after): runs are comparable only at similar anchors. This
machine's speed drifts by a third within minutes, so ``--repeat`` runs it several times and the
targets are judged on the best run of each measure (other processes only ever add time, as
``timeit`` reasons), with the medians printed beside them.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from docgen.config import Endpoint  # noqa: E402
from docgen.extract import extract_source  # noqa: E402
from docgen.model import DocSource, FunctionDoc, UnitContext  # noqa: E402
from docgen.write.chat.writer import ChatWriter  # noqa: E402

ANSWER = {
    "purpose": "Складывает два числа `a` и `b` и возвращает их сумму без проверки типов.",
    "params": [
        {"name": "a", "description": "первое слагаемое"},
        {"name": "b", "description": "второе слагаемое, по умолчанию единица"},
    ],
    "returns": "сумму `a` и `b`",
    "raises": [],
    "steps": ["Складывает аргументы.", "Возвращает результат."],
    "examples": [{"code": "total = add_0(2, 3)", "description": "сложение двух чисел"}],
}


def build_module(units: int):
    source = "\n".join(
        f'def add_{i}(a: int, b: int = 1) -> int:\n    """Add."""\n    return a + b\n'
        for i in range(units)
    )
    return extract_source(source, module="bench.many", path="bench/many.py")


def fallback(unit, context):
    return FunctionDoc("offline", (), "", (), (), ())


def start_server(
    latency: float, content_file: str | None, chunks: int = 6
) -> tuple[subprocess.Popen, str]:
    content = ["--content-file", content_file] if content_file else []
    proc = subprocess.Popen(
        [sys.executable, "-m", "openai_server", "--latency", str(latency),
         "--chunks", str(chunks), *content],
        cwd=ROOT / "tests",
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    if not url.startswith("http://127.0.0.1:"):
        proc.kill()
        raise SystemExit(f"fake server did not start: {url!r}")
    return proc, url


def stop_server(proc: subprocess.Popen) -> None:
    """Close the server's standard input (it then stops), killing it if it lingers."""
    assert proc.stdin is not None
    proc.stdin.close()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


async def run(args: argparse.Namespace, url: str) -> dict:
    module = build_module(args.units)
    functions = module.all_functions()
    context = UnitContext(module=module, lang="ru")
    writer = ChatWriter(
        endpoints=[Endpoint(url, "fake-model")],
        lang="ru",
        concurrency=args.concurrency,
        timeout=30.0,
        max_attempts=3,
        fallback=fallback,
    )
    gc.collect()
    gc.freeze()  # the long-lived records built above need no more collector passes
    async with writer:
        cpu0, wall0 = time.process_time(), time.perf_counter()
        results = await asyncio.gather(*(writer.write(f, context) for f in functions))
        wall = time.perf_counter() - wall0
        cpu = time.process_time() - cpu0
    requests = sum(r.usage.requests for r in results)
    ideal = math.ceil(requests / args.concurrency) * args.latency
    return {
        "units": len(functions),
        "requests": requests,
        "model_docs": sum(1 for r in results if getattr(r, "source", None) is DocSource.MODEL),
        "wall_s": round(wall, 3),
        "ideal_s": ideal,
        "ratio": round(wall / ideal, 3),
        "cpu_ms_per_request": round(cpu * 1000 / max(requests, 1), 3),
    }


def write_project(folder: Path, units: int, modules: int = 20) -> None:
    """``modules`` modules holding ``units`` units in all (each module is a unit itself)."""
    per = max(1, units // modules - 1)
    for m in range(modules):
        body = "\n\n".join(
            f"def add_{m}_{i}(a: int, b: int = 1) -> int:\n    return a + b * {i}\n"
            for i in range(per)
        )
        (folder / f"mod_{m}.py").write_text(f'"""Numbers {m}."""\n\n{body}', encoding="utf-8")


def anchor() -> float:
    """CPU seconds of a fixed pure-Python loop: this machine's speed drifts (the same loop has
    taken 1.2 s and 2.1 s within an hour), so each report carries the speed it was measured at."""
    started = time.process_time()
    total = 0
    for i in range(3_000_000):
        total += i
    return round(time.process_time() - started, 3)


def compile_docgen() -> None:
    """Byte-compile docgen as an install (or any earlier run) leaves it: with
    PYTHONDONTWRITEBYTECODE set, as on the CI machines, a source checkout is otherwise compiled
    again by every process (0.13 s of CPU before the first request)."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "docgen")],
        check=True, capture_output=True,
    )  # fmt: skip


def run_process(args: argparse.Namespace) -> dict:
    compile_docgen()
    speed = anchor()
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        (project / "src").mkdir()
        write_project(project / "src", args.units)
        proc, url = start_server(args.latency, None, args.chunks)
        try:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            wall0 = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "docgen", "src", "--base-url", url, "--model", "fake",
                 "--concurrency", str(args.concurrency), "--format", "json", "-q"],
                cwd=project, capture_output=True, text=True,
                env={**os.environ, "OPENAI_API_KEY": "bench-key"},
            )  # fmt: skip
            wall = time.perf_counter() - wall0
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
        finally:
            stop_server(proc)
    if done.returncode not in (0, 2):
        raise SystemExit(f"docgen failed ({done.returncode}): {done.stderr[-2000:]}")
    report = json.loads(done.stdout)
    requests = report["requests"]
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    ideal = math.ceil(requests / args.concurrency) * args.latency
    return {
        "mode": "process",
        "units": len(report["units"]),
        "requests": requests,
        "model_docs": report["counts"]["documented"],
        "chunks": args.chunks,
        "wall_s": round(wall, 3),
        "ideal_s": ideal,
        "ratio": round(wall / ideal, 3),
        "cpu_ms_per_request": round(cpu * 1000 / max(requests, 1), 3),
        "anchor_s": round((speed + anchor()) / 2, 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="chat writer benchmark")
    parser.add_argument("--units", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--latency", type=float, default=1.0)
    parser.add_argument("--chunks", type=int, default=10, help="stream chunks per answer")
    parser.add_argument("--process", action="store_true", help="time a whole docgen process")
    parser.add_argument(
        "--repeat", type=int, default=1, help="--process runs; judged on the best, as timeit is"
    )
    args = parser.parse_args(argv)
    if args.process:
        runs = []
        for _ in range(max(1, args.repeat)):
            report = run_process(args)
            runs.append(report)
            print(json.dumps(report), flush=True)
        best_ratio = min(r["ratio"] for r in runs)
        best_cpu = min(r["cpu_ms_per_request"] for r in runs)
        ok = best_ratio <= 1.15 and best_cpu <= 10.0
        print(
            f"whole process: {report['units']} units, {report['requests']} requests, "
            f"{args.chunks} chunks each, concurrency {args.concurrency}, latency {args.latency:g}"
            f" s, {len(runs)} run(s): wall / ideal {report['ideal_s']:.0f} s best "
            f"{best_ratio:.3f}x, median {statistics.median(r['ratio'] for r in runs):.3f}x "
            f"(target <= 1.15x); CPU best {best_cpu:.2f} ms/request, median "
            f"{statistics.median(r['cpu_ms_per_request'] for r in runs):.2f} (target <= 10 ms):"
            f" {'PASS' if ok else 'FAIL'}; speed anchor median "
            f"{statistics.median(r['anchor_s'] for r in runs):.3f} s"
        )
        return 0 if ok else 1
    with tempfile.TemporaryDirectory() as tmp:
        content = os.path.join(tmp, "answer.json")
        Path(content).write_text(json.dumps(ANSWER, ensure_ascii=False), encoding="utf-8")
        proc, url = start_server(args.latency, content, args.chunks)
        try:
            report = asyncio.run(run(args, url))
        finally:
            stop_server(proc)
    ok = report["ratio"] <= 1.15 and report["cpu_ms_per_request"] <= 5.0
    print(json.dumps(report))
    print(
        f"{report['units']} units, {report['requests']} requests, concurrency {args.concurrency}, "
        f"latency {args.latency:g} s: wall {report['wall_s']:.2f} s vs ideal "
        f"{report['ideal_s']:.2f} s ({report['ratio']:.3f}x, target <= 1.15x); client CPU "
        f"{report['cpu_ms_per_request']:.2f} ms/request (target <= 5 ms): "
        + ("PASS" if ok else "FAIL")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
