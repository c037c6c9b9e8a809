"""Batch runs end to end against the loopback server: export, the server answers the JSONL as a
batch, import, then a normal run with zero requests; partial results; submit and collect through
the Files and Batch APIs, each in its own process-like call."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from openai_server import FakeOpenAI, auto_answer
from test_cli_model import MODEL_PROSE, SECRET, SOURCE, make_project, model_args, run_json

from docgen.cli import main


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return make_project(tmp_path, monkeypatch)


def endpoint(server: FakeOpenAI) -> list[str]:
    return ["--base-url", server.url, "--model", "fake-model", "--api-key-env", "DOCGEN_TEST_KEY"]


def export(server: FakeOpenAI, capsys) -> list[dict]:
    assert main(["batch", "export", "src", "-o", "requests.jsonl", *endpoint(server)]) == 0
    capsys.readouterr()
    return [json.loads(line) for line in Path("requests.jsonl").read_text().splitlines()]


def answer_as_batch(server: FakeOpenAI, requests: list[dict], *, drop: int = 0) -> None:
    results = [server.answer_batch_line(line) for line in requests]
    random.Random(7).shuffle(results)  # lines in any order
    results = results[drop:]
    Path("results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in results))


def test_export_writes_what_a_live_run_would_send(project: Path, capsys) -> None:
    with FakeOpenAI(content=auto_answer) as server:
        requests = export(server, capsys)
        code, _, _ = run_json(model_args(server), capsys)
        assert code == 0
        live = {r.body["messages"][1]["content"]: r.body for r in server.requests}
    assert len(requests) == 6 and {r["url"] for r in requests} == {"/v1/chat/completions"}
    assert len({r["custom_id"] for r in requests}) == 6
    for line in requests:
        body = line["body"]
        sent = dict(live[body["messages"][1]["content"]])
        assert sent.pop("stream") is True and sent.pop("stream_options")
        assert body == sent  # the very body, without streaming
    assert SECRET not in Path("requests.jsonl").read_text()


def test_export_import_then_a_free_run(project: Path, capsys) -> None:
    with FakeOpenAI(content=auto_answer) as server:
        requests = export(server, capsys)
        answer_as_batch(server, requests)
        asked = len(server.requests)
        assert main(["batch", "import", "results.jsonl", *endpoint(server)]) == 0
        out = capsys.readouterr().out
        assert "6 answers stored" in out
        code, report, _ = run_json(model_args(server), capsys)
        assert code == 0 and report["requests"] == 0 and len(server.requests) == asked
        assert report["counts"]["cached"] == 6
        page = (project / "docs" / "reference" / "nums.md").read_text("utf-8")
        assert MODEL_PROSE in page
        # importing again changes nothing and is safe
        assert main(["batch", "import", "results.jsonl", *endpoint(server)]) == 0
        assert "6 answers stored" in capsys.readouterr().out
        assert main(["batch", "export", "src", "-o", "again.jsonl", *endpoint(server)]) == 0
        assert Path("again.jsonl").read_text() == ""  # nothing left to ask


def test_partial_results_then_the_run_asks_only_for_the_rest(project: Path, capsys) -> None:
    with FakeOpenAI(content=auto_answer) as server:
        requests = export(server, capsys)
        answer_as_batch(server, requests, drop=2)
        lines = Path("results.jsonl").read_text().splitlines()
        bad = json.loads(lines[0])
        bad["response"]["body"]["choices"][0]["message"]["content"] = json.dumps(
            {"purpose": "English only, so the answer is rejected and asked again later."}
        )
        Path("results.jsonl").write_text("\n".join([json.dumps(bad), *lines[1:], "not json"]))
        code = main(["batch", "import", "results.jsonl", *endpoint(server), "--format", "json"])
        report = json.loads(capsys.readouterr().out)
        assert code == 2 and report["stored"] == 3 and len(report["rejected"]) == 1
        assert report["bad_lines"] == [{"line": 5, "reason": "not JSON"}]
        before = len(server.requests)
        code, run, _ = run_json(model_args(server), capsys)
        assert code == 0 and run["requests"] == 3 and len(server.requests) == before + 3


def test_an_answer_for_changed_code_is_stale(project: Path, capsys) -> None:
    with FakeOpenAI(content=auto_answer) as server:
        requests = export(server, capsys)
        answer_as_batch(server, requests)
        source = project / "src" / "nums.py"
        source.write_text(SOURCE.replace("return a + b", "return b + a"), encoding="utf-8")
        main(["batch", "import", "results.jsonl", *endpoint(server), "--format", "json"])
        report = json.loads(capsys.readouterr().out)
    assert report["stored"] == 5 and len(report["stale"]) == 1


def test_submit_and_collect_survive_separate_runs(project: Path, capsys) -> None:
    with FakeOpenAI(content=auto_answer) as server:
        server.batch_polls = 1
        export(server, capsys)
        assert main(["batch", "submit", "requests.jsonl", *endpoint(server)]) == 0
        assert "batch_1 submitted" in capsys.readouterr().out
        state = json.loads((project / ".docgen" / "batches.json").read_text())
        assert state["batches"][0]["id"] == "batch_1" and state["paths"] == ["src"]
        assert main(["batch", "collect", *endpoint(server)]) == 2  # still in progress
        assert "in_progress" in capsys.readouterr().out
        assert main(["batch", "collect", *endpoint(server)]) == 0
        assert "6 answers stored" in capsys.readouterr().out
        assert main(["batch", "collect", *endpoint(server)]) == 0
        assert "no batch waiting" in capsys.readouterr().out
        asked = len(server.requests)
        code, report, _ = run_json(model_args(server), capsys)
        assert code == 0 and report["requests"] == 0 and len(server.requests) == asked


def test_collect_wait_polls_until_the_batch_is_done(project: Path, capsys) -> None:
    with FakeOpenAI(content=auto_answer) as server:
        server.batch_polls = 1  # the first retrieve sees "in_progress"
        export(server, capsys)
        assert main(["batch", "submit", "requests.jsonl", *endpoint(server)]) == 0
        capsys.readouterr()
        assert main(["batch", "collect", "--wait", "1", *endpoint(server)]) == 0
        assert "6 answers stored" in capsys.readouterr().out
