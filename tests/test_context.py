"""What the model is told about a unit's place in the project, against the loopback server with
the real openai client: callers, callees from other modules, the class of a method, a module's
neighbours; callee-first order with the callees' purposes; and what each edit costs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from openai_server import FakeOpenAI, auto_answer
from test_cli_model import SECRET, run_json

from docgen.write.context import callee_first

PKG = Path(__file__).parent / "fixtures" / "graphpkg"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "DOCGEN_MODEL", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DOCGEN_TEST_KEY", SECRET)
    monkeypatch.chdir(tmp_path)
    shutil.copytree(PKG, tmp_path / "graphpkg")
    return tmp_path


def args(server: FakeOpenAI, *extra: str) -> list[str]:
    return ["graphpkg", "--base-url", server.url, "--model", "fake-model",
            "--api-key-env", "DOCGEN_TEST_KEY", "--format", "json", "--concurrency", "4",
            *extra]  # fmt: skip


def user(request) -> str:
    """The request's first user message: the unit's prompt."""
    return next(m["content"] for m in request.body["messages"] if m["role"] == "user")


def prompt_of(server: FakeOpenAI, first_line: str) -> str:
    found = [user(r) for r in server.requests if user(r).splitlines()[0] == first_line]
    assert found, first_line
    return found[-1]


def test_prompts_carry_the_project_around_the_unit(project: Path, capsys) -> None:
    with FakeOpenAI(content=auto_answer) as server:
        code, _, err = run_json(args(server), capsys)
        assert code == 0, err
        notify = prompt_of(server, "Опиши функцию `notify` из модуля `graphpkg.util` "
                                   "(файл `graphpkg/util.py`).")  # fmt: skip
        # its callers, with the calling line, from another module
        assert "- graphpkg.service.place_order: return notify(order)" in notify
        assert "- import logging" in notify  # the module's imports
        send = prompt_of(server, "Опиши метод `Service.run` из модуля `graphpkg.service` "
                                 "(файл `graphpkg/service.py`).")  # fmt: skip
        # its class, and callees in other modules with signature and docstring sentence
        assert "Класс, которому принадлежит метод: class Service — Runs orders.; self: client, " \
               "notifier" in send  # fmt: skip
        assert "- def Notifier.send(self, text: str) -> None (graphpkg.util)" in send
        assert "- graphpkg.service.FastService.run: super().run()" in send
        module = prompt_of(server, "Опиши модуль `graphpkg.models` (файл `graphpkg/models.py`) "
                                   "целиком.")  # fmt: skip
        assert "- imported by graphpkg.service" in module


def test_callees_are_written_first_and_their_purposes_reach_the_callers(
    project: Path, capsys
) -> None:
    with FakeOpenAI(content=auto_answer) as server:
        assert run_json(args(server), capsys)[0] == 0
        order = [user(r).splitlines()[0] for r in server.requests]
        log = order.index(
            "Опиши функцию `log` из модуля `graphpkg.util` (файл `graphpkg/util.py`)."
        )
        notify = order.index(
            "Опиши функцию `notify` из модуля `graphpkg.util` (файл `graphpkg/util.py`)."
        )
        assert log < notify
        text = user(server.requests[notify])
        assert (
            "Назначение этих функций, уже описанное ранее:\n- graphpkg.util.log: Эта часть" in text
        )


def test_what_an_edit_costs(project: Path, capsys) -> None:
    with FakeOpenAI(content=auto_answer) as server:
        assert run_json(args(server), capsys)[0] == 0
        # nothing changed: free, although the callees' written purposes are in the prompts
        code, report, _ = run_json(args(server), capsys)
        assert code == 0 and report["requests"] == 0
        # a body edit that touches no call: that function alone
        util = project / "graphpkg" / "util.py"
        util.write_text(util.read_text().replace("    logger.info(message)\n",
                                                 "    logger.info(message)\n    _ = 1\n"),
                        encoding="utf-8")  # fmt: skip
        code, report, _ = run_json(args(server), capsys)
        assert code == 0 and report["requests"] == 1
        asked = user(server.requests[-1]).splitlines()[0]
        assert asked.startswith("Опиши функцию `log`")
        # a new call line: the caller, and the callee whose prompt shows its callers
        util.write_text(util.read_text().replace("    _ = 1\n", "    _ = notify\n"), "utf-8")
        service = project / "graphpkg" / "service.py"
        service.write_text(service.read_text().replace('    u.log("placed")\n',
                                                       '    u.log("placed!")\n'),
                           encoding="utf-8")  # fmt: skip
        code, report, _ = run_json(args(server), capsys)
        firsts = sorted(user(r).splitlines()[0].split(" из ")[0]
                        for r in server.requests[-report["requests"]:])  # fmt: skip
        assert firsts == ["Опиши функцию `log`", "Опиши функцию `place_order`"]


def test_callee_first_breaks_cycles_deterministically() -> None:
    calls = {"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a", "x"]}
    waits = callee_first(["d", "c", "b", "a"], lambda u: calls.get(u, ()))
    assert waits == {"a": ("b",), "b": ("c",), "c": (), "d": ("a",)}  # c -> a dropped
    # every kept edge points to a unit that can finish first: no deadlock
    order: list[str] = []
    while len(order) < 4:
        ready = sorted(u for u, w in waits.items() if u not in order and set(w) <= set(order))
        assert ready
        order.append(ready[0])
    assert order == ["c", "b", "a", "d"]
