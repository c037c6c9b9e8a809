"""Benchmark the chat writer: many small units against the fake server with a fixed latency.

The server (tests/openai_server.py) runs in a child process, so this process's CPU time is the
client's alone: prompts, the openai package, SSE parsing, validation and merging. The report
compares the whole run's wall time with the ideal ``ceil(requests / concurrency) x latency`` and
gives client CPU per request. Targets: at most 1.15x the ideal and 5 ms per request.

    python bench/bench_chat.py                       # 400 functions, latency 1.0 s, concurrency 32
    python bench/bench_chat.py --units 100 --latency 0.5 --concurrency 16
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import os
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


def start_server(latency: float, content_file: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "openai_server", "--latency", str(latency),
         "--content-file", content_file],
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="chat writer benchmark")
    parser.add_argument("--units", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--latency", type=float, default=1.0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        content = os.path.join(tmp, "answer.json")
        Path(content).write_text(json.dumps(ANSWER, ensure_ascii=False), encoding="utf-8")
        proc, url = start_server(args.latency, content)
        try:
            report = asyncio.run(run(args, url))
        finally:
            assert proc.stdin is not None
            proc.stdin.close()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
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
