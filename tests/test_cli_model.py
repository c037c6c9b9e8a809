"""The whole CLI against a real OpenAI-compatible server on 127.0.0.1 (tests/openai_server.py).

Covers what only shows end to end: model prose on the pages, a free rerun, one request for one
edited function, failures that keep pages clean (exit 2), the key never leaving the Bearer header,
and interruptions (kill -9, SIGINT) followed by a run that asks only for what was left.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from openai_server import FakeOpenAI, Reply, auto_answer

from docgen.cli import main

ROOT = Path(__file__).resolve().parent.parent
SECRET = "sk-test-7f3a9c1e5b"
MODEL_PROSE = "Эта часть кода выполняет свою задачу"  # what auto_answer writes in Russian

SOURCE = '''\
"""Small helpers for numbers."""


def add(a: int, b: int) -> int:
    """Sum of two numbers."""
    return a + b


def scale(values: list[float], factor: float = 2.0) -> list[float]:
    if factor == 0:
        raise ValueError("factor must not be zero")
    return [v * factor for v in values]


class Counter:
    """Counts things."""

    def __init__(self) -> None:
        self.count = 0

    def bump(self, step: int = 1) -> int:
        self.count += step
        return self.count
'''


def make_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``src/nums.py`` in a fresh current folder, the test key set, no endpoint configured."""
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "DOCGEN_MODEL", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DOCGEN_TEST_KEY", SECRET)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "nums.py").write_text(SOURCE, encoding="utf-8")
    return tmp_path


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return make_project(tmp_path, monkeypatch)


def model_args(server: FakeOpenAI, *extra: str) -> list[str]:
    return [
        "src",
        "--base-url",
        server.url,
        "--model",
        "fake-model",
        "--api-key-env",
        "DOCGEN_TEST_KEY",
        "--format",
        "json",
        *extra,
    ]


def run_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def files_under(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_model_run_rerun_and_one_edit(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with FakeOpenAI(content=auto_answer) as server:
        code, report, err = run_json(model_args(server), capsys)
        assert code == 0, err
        units = len(report["units"])  # module, class, two functions, two methods
        assert units == 6
        assert report["counts"]["documented"] == units
        assert report["requests"] == len(server.requests) == units
        page = (project / "docs" / "reference" / "nums.md").read_text("utf-8")
        assert MODEL_PROSE in page
        assert "ValueError" in page  # raises come from the code
        mtimes = {p: p.stat().st_mtime_ns for p in (project / "docs").rglob("*.md")}

        code, report, _ = run_json(model_args(server), capsys)
        assert code == 0
        assert report["requests"] == 0 and len(server.requests) == units
        assert {p: p.stat().st_mtime_ns for p in (project / "docs").rglob("*.md")} == mtimes

        source = project / "src" / "nums.py"
        source.write_text(SOURCE.replace("return a + b", "return b + a"), encoding="utf-8")
        code, report, _ = run_json(model_args(server), capsys)
        assert code == 0
        assert report["requests"] == 1  # only add(); the module and the others are cached
        assert report["counts"]["cached"] == units - 1
        assert len(server.requests) == units + 1
        asked = server.requests[-1].prompt
        assert "return b + a" in asked
        changed = {p for p, t in mtimes.items() if p.exists() and p.stat().st_mtime_ns != t}
        # at most the page that shows add() (unchanged here: the answer is the same and a
        # straight body draws no diagram), and the quality page when its figures moved
        assert changed - {project / "docs" / "quality.md"} <= {
            project / "docs" / "reference" / "nums.md"
        }


def test_key_only_in_the_bearer_header(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with FakeOpenAI(content=auto_answer) as server:
        code = main(model_args(server, "-v"))
        out, err = capsys.readouterr()
    assert code == 0
    assert all(r.headers["authorization"] == f"Bearer {SECRET}" for r in server.requests)
    for request in server.requests:
        assert SECRET not in json.dumps(request.body)
    assert SECRET not in out and SECRET not in err
    for name, data in files_under(project).items():
        if not name.startswith("src"):
            assert SECRET.encode() not in data, name


def test_failed_units_exit_2_and_pages_show_offline_text(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def script(request) -> Reply:
        schema = request.body.get("response_format", {}).get("json_schema", {}).get("name")
        if schema == "function_doc" and "def scale(" in request.prompt:
            return Reply(status=500)
        return Reply()

    with FakeOpenAI(content=auto_answer, script=script) as server:
        code, report, err = run_json(model_args(server, "--max-attempts", "2"), capsys)
    assert code == 2
    assert [f["uid"] for f in report["failures"]] == ["nums:scale"]
    assert "HTTP 500" in report["failures"][0]["reason"]
    assert "nums:scale" in err
    page = (project / "docs" / "reference" / "nums.md").read_text("utf-8")
    assert "500" not in page and "Internal" not in page
    section = page.split("</a>`scale`")[1]
    assert "`factor`" in section  # the offline writer's content for the failed unit
    manifest = json.loads((project / "docs" / ".docgen-manifest.json").read_text("utf-8"))
    assert manifest["pages"]["reference/nums.md"]["complete"] is False


def _docgen(server: FakeOpenAI, cwd: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "docgen", *model_args(server, "--concurrency", "2", *extra)],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _stored(project: Path) -> int:
    with sqlite3.connect(project / ".docgen" / "cache.sqlite3") as conn:
        return conn.execute("SELECT COUNT(*) FROM docs").fetchone()[0]


def _wait_for(condition, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_kill_9_then_resume_asks_only_for_the_rest(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeOpenAI(content=auto_answer, latency=0.4) as server:
        process = _docgen(server, project)
        try:
            _wait_for(lambda: len(server.requests) >= 4)
        finally:
            process.kill()
            process.communicate(timeout=10)
        assert process.returncode == -signal.SIGKILL
        stored = _stored(project)
        first = len(server.requests)
        assert 1 <= stored <= first
        assert first - stored <= 2  # only what was in flight was lost
        code, report, _ = run_json(model_args(server), capsys)
    assert code == 0
    assert report["requests"] == 6 - stored
    assert report["counts"]["cached"] == stored
    assert not list(project.rglob("*.tmp"))
    with sqlite3.connect(project / ".docgen" / "cache.sqlite3") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_exits_promptly_with_a_summary(project: Path, signum: int) -> None:
    with FakeOpenAI(content=auto_answer, latency=2.0) as server:
        process = _docgen(server, project)
        _wait_for(lambda: len(server.requests) >= 2)
        started = time.monotonic()
        process.send_signal(signum)
        _, err = process.communicate(timeout=15)
        assert time.monotonic() - started < 5
    assert process.returncode == 130
    assert "Traceback" not in err
    assert "units" in err  # the short summary


def test_estimate_is_offline(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["estimate", "src", "--price-in", "1", "--price-out", "2", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data["units"] == 6 and data["to_do"] == 6
    assert data["prompt_tokens"] > 0 and data["cost_usd"] > 0


def test_script_text_is_not_rendered_as_html(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    evil = textwrap.dedent(
        """\
        {"purpose": "Считает сумму <script>alert(1)</script> двух чисел.",
         "params": [{"name": "a", "description": "Первое <b>число</b>."},
                    {"name": "b", "description": "Второе число."}],
         "returns": "Сумму чисел.", "raises": [], "steps": ["Складывает числа."],
         "examples": [{"code": "add(1, 2)", "description": "Пример."}]}
        """
    )

    def content(request) -> str:
        return evil if "def add" in request.prompt else auto_answer(request)

    with FakeOpenAI(content=content) as server:
        code, _, _ = run_json(model_args(server), capsys)
    assert code == 0
    page = (project / "docs" / "reference" / "nums.md").read_text("utf-8")
    assert "<script>" not in page and "<b>" not in page


def test_fallbacks_are_recorded_so_an_unchanged_rerun_is_free(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def script(request) -> Reply:
        if "def scale(" in request.prompt and '"params"' in request.prompt.splitlines()[-1]:
            english = json.loads(auto_answer(request))
            english["purpose"] = "This function scales every value and returns the new list."
            return Reply(content=json.dumps(english))  # never Russian: a fallback, twice
        return Reply()

    with FakeOpenAI(content=auto_answer, script=script) as server:
        code, report, err = run_json(model_args(server), capsys)
        assert code == 0, err
        assert report["counts"]["fallback"] == 1 and report["fallbacks"][0]["uid"] == "nums:scale"
        asked = len(server.requests)
        assert asked == 6 + 1  # the fallback cost a repair turn

        code, report, _ = run_json(model_args(server), capsys)
        assert code == 0 and report["requests"] == 0 and len(server.requests) == asked
        assert report["counts"]["fallback"] == 1  # still shown as the offline text, for free
        assert "recorded fallback" in report["fallbacks"][0]["reason"]

        code, report, _ = run_json(model_args(server, "--retry-fallbacks"), capsys)
        assert report["requests"] == 2 and len(server.requests) == asked + 2


def test_transport_failures_are_not_recorded(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    down = True

    def script(request) -> Reply:
        asks_add = "Опиши функцию `add`" in request.prompt
        return Reply(status=503) if down and asks_add else Reply()

    with FakeOpenAI(content=auto_answer, script=script) as server:
        code, report, _ = run_json(model_args(server, "--max-attempts", "2"), capsys)
        assert code == 2 and report["counts"]["failed"] == 1
        down = False
        code, report, _ = run_json(model_args(server), capsys)
        assert code == 0 and report["requests"] == 1 and report["counts"]["documented"] == 1


def test_a_dead_endpoint_is_one_line_and_exit_2(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for i in range(4):  # 30 units in all
        (project / "src" / f"more{i}.py").write_text(SOURCE, encoding="utf-8")
    script = lambda request: Reply(status=500, error_message="No provider found")  # noqa: E731
    with FakeOpenAI(script=script) as server:
        start = time.monotonic()
        code = main(model_args(server, "--format", "text", "--dead-after", "4"))
        took = time.monotonic() - start
        out, err = capsys.readouterr()
        requests = len(server.requests)
    assert code == 2 and took < 30 and requests < 30 * 5  # fewer than every try of every unit
    lines = [line for line in (out + err).splitlines() if "No provider found" in line]
    summary = [line for line in lines if line.lstrip().startswith("30 units")]
    assert len(summary) == 1 and server.url in summary[0], lines[-3:]
    pages = "".join(p.read_text("utf-8") for p in (project / "docs").rglob("*.md"))
    assert "No provider found" not in pages and "Sum of two numbers" in pages


def test_failed_attempts_count_their_tokens(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def script(request) -> Reply:
        asks_add = "Опиши функцию `add`" in request.prompt
        if asks_add and request.body.get("max_tokens", 0) <= 2000:
            return Reply(content="", reasoning="Хм. " * 20, finish_reason="length",
                         usage=(500, 2000))  # fmt: skip
        return Reply(usage=(100, 50))

    with FakeOpenAI(content=auto_answer, script=script) as server:
        code, report, _ = run_json(model_args(server), capsys)
    assert code == 0
    add = next(u for u in report["units"] if u["uid"] == "nums:add")
    assert add["completion_tokens"] == 2050 and add["requests"] == 2
    assert report["completion_tokens"] == 2050 + 5 * 50


@pytest.mark.parametrize(
    "cap",
    [["--max-tokens", "600"], ["--max-cost", "0.0013", "--price-in", "5", "--price-out", "10"]],
)
def test_a_spending_cap_stops_new_requests_at_the_limit(
    project: Path, capsys: pytest.CaptureFixture[str], cap: list[str]
) -> None:
    # every answer costs exactly 100 prompt + 50 completion tokens = 150 tokens, $0.001
    with FakeOpenAI(content=auto_answer, script=lambda r: Reply(usage=(100, 50))) as server:
        code, report, _ = run_json(model_args(server, "--concurrency", "1", *cap), capsys)
        requests = len(server.requests)
    tokens = report["prompt_tokens"] + report["completion_tokens"]
    if cap[0] == "--max-tokens":  # 4 answers reach 600 tokens: no fifth request
        assert requests == 4 and tokens == 600
    else:  # $0.001 a request: the second reaches $0.002 >= $0.0013
        assert requests == 2
    assert code == 2 and report["counts"]["budget"] == 6 - requests
    assert all("budget" in u["reason"] for u in report["units"] if u["status"] == "budget")
    pages = "".join(p.read_text("utf-8") for p in (project / "docs" / "reference").rglob("*.md"))
    assert "budget" not in pages and "Sum of two numbers" in pages  # offline text, no error


def test_estimate_uses_the_measured_ratio_of_earlier_runs(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["estimate", "src", "--base-url", "http://127.0.0.1:9/v1", "--model", "fake-model"]
    assert main([*args, "--format", "json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["basis"].startswith("heuristic")
    with FakeOpenAI(content=auto_answer, script=lambda r: Reply(usage=(1000, 250))) as server:
        (project / "src" / "other.py").write_text(SOURCE, encoding="utf-8")
        code, _, _ = run_json(model_args(server), capsys)
        assert code == 0
        (project / "src" / "other.py").unlink()
    (project / "src" / "nums.py").write_text(SOURCE + "\n\ndef extra(x):\n    return x\n")
    assert main([*args, "--format", "json"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["basis"].startswith("measured: 0.250")
    assert second["completion_tokens"] == pytest.approx(second["prompt_tokens"] * 0.25, abs=10)


def test_an_unchanged_rerun_does_not_load_the_openai_package(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The package takes a second or more to import: a rerun with nothing to redo, the usual
    CI case, never needs it."""
    script = (
        "import sys\n"
        "from docgen.cli import main\n"
        "code = main(sys.argv[1:])\n"
        "loaded = 'openai' in sys.modules\n"
        "print('openai loaded' if loaded else 'openai not loaded', file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    with FakeOpenAI(content=auto_answer) as server:
        runs = [
            subprocess.run(
                [sys.executable, "-c", script, *model_args(server)],
                cwd=project,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            for _ in range(2)
        ]
    first, second = runs
    assert first.returncode == 0 and "openai loaded" in first.stderr, first.stderr
    assert json.loads(second.stdout)["requests"] == 0
    assert second.returncode == 0 and "openai not loaded" in second.stderr, second.stderr
