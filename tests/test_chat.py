"""The chat writer end to end: prompts, the real openai client, the fake server, validation."""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time

import pytest
from chat_fixtures import context_for, make_module, offline_stub
from openai_server import FakeOpenAI, Reply, auto_answer

from docgen.config import Endpoint
from docgen.model import DocSource, Documented, Failed, FunctionDoc, ModuleDoc, UnitContext
from docgen.write.chat.estimate import estimate_tokens
from docgen.write.chat.prompts import PromptBuilder, truncate_middle
from docgen.write.chat.version import prompt_version
from docgen.write.chat.writer import ChatWriter

pytestmark = pytest.mark.anyio

KEY = "sk-chat-Secret-9876543210"
ENV = {"DOCGEN_TEST_KEY": KEY}

SOURCE = '''
"""Settings."""
import json

def load(path: str, *, strict: bool = False) -> dict:
    """Read settings."""
    if strict and not path:
        raise ValueError("empty")
    return json.loads(open(path).read())

if __name__ == "__main__":
    load("a.json")
'''

GOOD = {
    "purpose": "Читает файл настроек `path` и возвращает словарь с разобранными значениями.",
    "params": [
        {"name": "path", "description": "путь к файлу настроек"},
        {"name": "strict", "description": "требовать непустой путь"},
    ],
    "returns": "словарь, который вернула `json.loads`",
    "raises": [{"exception": "ValueError", "description": "путь пуст в строгом режиме"}],
    "steps": ["Проверяет путь.", "Читает файл и разбирает JSON."],
    "examples": [{"code": "cfg = load('a.json')", "description": "чтение настроек"}],
}
GOOD_TEXT = json.dumps(GOOD, ensure_ascii=False)


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
def module():
    return make_module(SOURCE)


@pytest.fixture
def server():
    with FakeOpenAI(content=GOOD_TEXT) as srv:
        yield srv


class Recorder:
    def __init__(self):
        self.events = []

    def __getattr__(self, name):
        return lambda *args, **kw: self.events.append((name, args))


def writer(server, *, progress=None, lang="ru", **options) -> ChatWriter:
    options.setdefault("backoff_base", 0.01)
    return ChatWriter(
        endpoints=[Endpoint(server.url, "m", "DOCGEN_TEST_KEY")],
        lang=lang,
        concurrency=options.pop("concurrency", 8),
        timeout=options.pop("timeout", 5.0),
        max_attempts=options.pop("max_attempts", 3),
        fallback=offline_stub,
        progress=progress,
        environ=ENV,
        **options,
    )


async def write_one(server, module, **options):
    async with writer(server, **options) as w:
        return await w.write(module.functions[0], context_for(module, options.get("lang", "ru")))


async def test_valid_answer_is_merged_with_code_facts(server, module):
    progress = Recorder()
    result = await write_one(server, module, progress=progress)
    assert isinstance(result, Documented) and result.source is DocSource.MODEL
    doc = result.doc
    assert isinstance(doc, FunctionDoc)
    assert [p.name for p in doc.params] == ["path", "strict"]
    assert [r.exception for r in doc.raises] == ["ValueError"]
    assert doc.examples[0].code == "cfg = load('a.json')"
    assert result.usage.requests == 1 and result.usage.completion_tokens == 80
    names = [e[0] for e in progress.events]
    assert names[0] == "unit_started" and names[-1] == "unit_finished" and "unit_text" in names
    assert progress.events[-1][1][0] is result
    prompt = server.requests[0].prompt
    assert module.functions[0].source in prompt  # the exact source reaches the model


@pytest.mark.parametrize(
    "first",
    [
        Reply(content='Вот ответ: {"purpose": "оборвано'),
        Reply(content="", chunks=1),
        Reply(finish_reason="length", content=GOOD_TEXT[:-40]),
        Reply(content=json.dumps({**GOOD, "params": GOOD["params"][:1]}, ensure_ascii=False)),
    ],
    ids=["malformed-json", "empty", "length", "missing-param"],
)
async def test_a_bad_answer_is_asked_again_once(server, module, first):
    server.queue(first)
    result = await write_one(server, module)
    assert isinstance(result, Documented) and result.source is DocSource.MODEL
    assert len(server.requests) == 2


async def test_repair_turn_shows_the_answer_and_the_problems_in_the_page_language(server, module):
    bad = {**GOOD, "params": [{"name": "path", "description": "путь к файлу"}]}
    first = "<think>Сначала подумаю.</think>" + json.dumps(bad, ensure_ascii=False)
    server.queue(Reply(content=first))
    result = await write_one(server, module)
    assert result.source is DocSource.MODEL
    messages = server.requests[1].body["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[2]["content"] == json.dumps(bad, ensure_ascii=False)  # reasoning left out
    repair = messages[3]["content"]
    assert "Не описан параметр `strict`" in repair
    assert repair.rstrip().endswith("}")
    assert '"purpose"' in repair.splitlines()[-1]  # the shape again, at the very end
    assert messages[1]["content"].rstrip().endswith("}")  # every user message ends with it


async def test_a_broken_example_is_dropped_without_asking_again(server, module):
    bad = {**GOOD, "examples": [{"code": "load(", "description": "x"}, *GOOD["examples"]]}
    server.queue(Reply(content=json.dumps(bad, ensure_ascii=False)))
    result = await write_one(server, module)
    assert result.source is DocSource.MODEL and len(server.requests) == 1
    assert [e.code for e in result.doc.examples] == ["cfg = load('a.json')"]
    assert result.removed == 1


async def test_still_invalid_after_one_reask_falls_back(server, module):
    loop = "Функция читает настройки и возвращает словарь. " * 30
    server.script = lambda request: Reply(content=json.dumps({**GOOD, "purpose": loop}))
    result = await write_one(server, module)
    assert isinstance(result, Documented) and result.source is DocSource.FALLBACK
    assert result.doc == offline_stub(module.functions[0], None)
    assert "repeats itself" in result.reason
    assert len(server.requests) == 2 and result.usage.requests == 2


async def test_english_prose_is_rejected_for_russian(server, module):
    english = {
        **GOOD,
        "purpose": "Reads the settings file and returns the parsed dictionary.",
        "steps": ["Checks the path first.", "Reads the file and parses it as JSON."],
    }
    server.script = lambda request: Reply(content=json.dumps(english))
    result = await write_one(server, module)
    assert result.source is DocSource.FALLBACK and "language" in result.reason


async def test_injection_is_sanitized(server, module):
    code = "s = '''\n```\n<script>\n'''"
    evil = {
        **GOOD,
        "purpose": "Читает настройки <script>alert(1)</script> и <img src=x onerror=y>.",
        "steps": ["# Заголовок\nШаг", "[клик](javascript:alert(1)) шаг"],
        "examples": [{"code": code, "description": "<b>жирно</b>"}],
    }
    server.queue(Reply(content=json.dumps(evil, ensure_ascii=False)))
    result = await write_one(server, module)
    assert result.source is DocSource.MODEL
    text = repr(result.doc)
    assert "<script" not in text.replace("\\n<script>\\n", "") and "<img" not in text
    assert "javascript:" not in text
    assert result.doc.steps[0].startswith("\\#")
    assert "```" not in result.doc.examples[0].code


async def test_transport_failure_gives_failed_with_offline_content(server, module):
    server.script = lambda request: Reply(status=503, error_message="overloaded")
    result = await write_one(server, module)
    assert isinstance(result, Failed)
    assert result.reason == "HTTP 503: overloaded"
    assert result.doc == offline_stub(module.functions[0], None)
    assert result.usage.requests == 3


async def test_a_broken_fallback_never_raises(server, module):
    server.script = lambda request: Reply(status=503)
    w = writer(server)
    w._fallback = lambda unit, context: 1 / 0
    async with w:
        result = await w.write(module.functions[0], context_for(module))
    assert isinstance(result, Failed) and result.doc is None


async def test_an_internal_error_is_a_failed_unit_not_a_crash(server, module, monkeypatch):
    import docgen.write.chat.writer as chat_writer

    def broken(unit):
        raise ValueError("a bug")

    monkeypatch.setattr(chat_writer, "schema_for", broken)
    result = await write_one(server, module)
    assert isinstance(result, Failed) and result.reason == "internal error: ValueError: a bug"
    assert result.doc == offline_stub(module.functions[0], None)
    assert not server.requests


async def test_module_unit_uses_module_schema(server, module):
    answer = {"title": "для настроек", "overview": "Модуль читает файл настроек в формате JSON.",
              "details": "Подробности.", "steps": ["Вызвать `load`."],
              "usage_example": {"code": "load('a.json')", "description": "чтение"},
              "entry_point": "Читает файл `a.json`."}  # fmt: skip
    server.queue(Reply(content=json.dumps(answer, ensure_ascii=False)))
    async with writer(server) as w:
        result = await w.write(module, context_for(module))
    assert result.source is DocSource.MODEL and isinstance(result.doc, ModuleDoc)
    assert result.doc.entry_point == "Читает файл `a.json`."
    assert server.requests[0].body["response_format"]["json_schema"]["name"] == "module_doc"


async def test_many_units_run_concurrently_and_stay_bounded(server):
    source = "\n".join(f"def f{i}(path, strict=False):\n    return path\n" for i in range(24))
    mod = make_module(source)
    server.latency = 0.2
    async with writer(server, concurrency=8) as w:
        w._prompts.messages(mod.functions[0], context_for(mod))  # templates compiled: not timed
        started = time.monotonic()
        results = await asyncio.gather(*(w.write(f, context_for(mod)) for f in mod.functions))
        elapsed = time.monotonic() - started
    assert all(r.source is DocSource.MODEL for r in results)
    assert server.max_in_flight == 8
    assert elapsed < math.ceil(24 / 8) * 0.2 * 1.5


async def test_a_slow_unit_does_not_block_the_others(server, module):
    source = "\n".join(f"def f{i}(path, strict=False):\n    return path\n" for i in range(6))
    mod = make_module(source)
    server.script = lambda request: Reply(latency=0.8 if "def f0(" in request.prompt else 0.0)
    started = time.monotonic()
    finished: dict[str, float] = {}
    async with writer(server, concurrency=2) as w:

        async def one(fn):
            await w.write(fn, context_for(mod))
            finished[fn.name] = time.monotonic() - started

        await asyncio.gather(*(one(f) for f in mod.functions))
    fast = [t for name, t in finished.items() if name != "f0"]
    assert max(fast) < 0.6 and finished["f0"] >= 0.8


async def test_cancel_propagates(server, module):
    server.latency = 5
    async with writer(server) as w:
        task = asyncio.ensure_future(w.write(module.functions[0], context_for(module)))
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_key_appears_nowhere_but_the_bearer_header(server, module, caplog):
    caplog.set_level(logging.DEBUG)
    progress = Recorder()
    server.queue(Reply(status=500, error_message=f"bad {KEY}"), Reply(content="junk"))
    server.script = lambda request: Reply(status=500, error_message=f"bad {KEY}")
    async with writer(server, progress=progress) as w:
        results = [await w.write(module.functions[0], context_for(module)) for _ in range(2)]
    assert KEY not in repr(results) and KEY not in repr(progress.events)
    assert KEY not in caplog.text
    for request in server.requests:
        assert request.headers["authorization"] == f"Bearer {KEY}"
        assert KEY.encode() not in request.raw


async def test_with_the_real_extractor_and_offline_writer(server):
    from docgen.extract import extract_source
    from docgen.write.offline import OfflineWriter

    mod = extract_source(SOURCE.lstrip(), module="pkg.settings", path="pkg/settings.py")
    fn = mod.functions[0]
    offline = OfflineWriter(lang="ru")
    w = writer(server)
    w._fallback = offline.document
    context = context_for(mod)
    async with w:
        good = await w.write(fn, context)
        server.script = lambda request: Reply(content="{}")
        bad = await w.write(fn, context)
    assert good.source is DocSource.MODEL and [p.name for p in good.doc.params] == [
        "path",
        "strict",
    ]
    assert bad.source is DocSource.FALLBACK and bad.doc == offline.document(fn, context)


@pytest.mark.parametrize("lang", ["ru", "en"])
async def test_auto_answers_document_every_unit_kind(lang):
    from docgen.write.context import units_of

    mod = make_module(
        """
        class Store:
            path: str = "db.json"

            def get(self, key, default=None):
                if not key:
                    raise KeyError(key)
                return default

        def main(argv=None):
            return 0

        if __name__ == "__main__":
            main()
        """
    )
    with FakeOpenAI(content=auto_answer) as srv:
        async with writer(srv, lang=lang) as w:
            results = [await w.write(u, context_for(mod, lang)) for u in units_of(mod)]
    assert [r.source for r in results] == [DocSource.MODEL] * 4, [r.reason for r in results]
    assert len(srv.requests) == 4


# -- prompts ----------------------------------------------------------------------------------


def test_prompt_carries_source_overview_and_callees(module):
    fn = module.functions[0]
    context = UnitContext(module=module, module_overview="Обзор модуля.",
                          callees=("def helper(x: int) -> str",))  # fmt: skip
    system, user = PromptBuilder(lang="ru").messages(fn, context)
    assert system["role"] == "system" and "JSON" in system["content"]
    assert fn.source in user["content"]
    assert "Обзор модуля." in user["content"] and "def helper(x: int) -> str" in user["content"]
    assert "`path`, `strict`" in user["content"]
    problem = {"code": "param_missing", "text": "parameter `x` is not described", "name": "x"}
    repair = PromptBuilder(lang="en").messages(fn, context, previous="{}", problems=[problem])
    assert [m["role"] for m in repair] == ["system", "user", "assistant", "user"]
    assert "Parameter `x` is not described" in repair[-1]["content"]


def test_huge_source_is_cut_in_the_middle():
    body = "\n".join(f"    x{i} = {i}" for i in range(5000))
    mod = make_module(f"def big(a):\n{body}\n    return a\n")
    _, user = PromptBuilder(lang="ru").messages(mod.functions[0], context_for(mod), budget=2000)
    assert estimate_tokens(user["content"]) <= 2000
    assert "def big(a):" in user["content"] and "return a" in user["content"]
    assert "lines omitted" in user["content"]
    assert truncate_middle("short", 100) == "short"


def test_user_prompt_templates_replace_bundled_ones(tmp_path, module):
    (tmp_path / "prompts" / "ru").mkdir(parents=True)
    (tmp_path / "prompts" / "ru" / "system.j2").write_text("СВОЙ СИСТЕМНЫЙ {{ shape }}")
    builder = PromptBuilder(lang="ru", templates=str(tmp_path))
    messages = builder.messages(module.functions[0], context_for(module))
    assert messages[0]["content"].startswith("СВОЙ СИСТЕМНЫЙ {")
    assert module.functions[0].source in messages[1]["content"]  # the rest stay bundled
    assert prompt_version(str(tmp_path)) != prompt_version() == prompt_version(None)


def test_user_prompt_may_extend_the_bundled_one(tmp_path, module):
    (tmp_path / "prompts" / "ru").mkdir(parents=True)
    (tmp_path / "prompts" / "ru" / "system.j2").write_text(
        '{% extends "default/system.j2" %}', encoding="utf-8"
    )
    ours = PromptBuilder(lang="ru", templates=str(tmp_path)).messages(
        module.functions[0], context_for(module)
    )
    assert ours == PromptBuilder(lang="ru").messages(module.functions[0], context_for(module))


def test_estimate_tokens():
    assert estimate_tokens("") == 0 and estimate_tokens("abcd") == 2


def test_a_module_is_given_back_while_another_modules_answers_are_still_out(tmp_path):
    """The model writer hands each module over as soon as its own units are answered, so its
    pages are rendered while the slow requests of other modules are still on the wire."""
    from docgen.config import Config
    from docgen.model import ExtractResult, SourceFile
    from docgen.store.cache import Cache
    from docgen.ui.progress import NullProgress
    from docgen.write.chat.run import ModelWriter

    fast = make_module('"""Fast."""\n\ndef quick(a: int) -> int:\n    return a + 1\n', "fast")
    slow = make_module('"""Slow."""\n\ndef sluggish(a: int) -> int:\n    return a * 2\n', "slow")

    def script(request) -> Reply:
        return Reply(latency=3.0) if "sluggish" in request.prompt else Reply()

    with FakeOpenAI(content=auto_answer, script=script) as server:
        config = Config(endpoints=(Endpoint(server.url, "fake-model"),), concurrency=8)
        extracted = [
            ExtractResult(SourceFile(m.path, m.path, m.name), m, source_hash=m.source_hash)
            for m in (slow, fast)
        ]
        with Cache(str(tmp_path / "cache")) as cache:
            writer = ModelWriter(config, cache=cache, progress=NullProgress())
            started = time.monotonic()
            arrivals = [
                (w.module.name, time.monotonic() - started) for w in writer.write(extracted)
            ]
    assert [name for name, _ in arrivals] == ["fast", "slow"]
    assert arrivals[0][1] < 2.0 <= 3.0 <= arrivals[1][1]


def test_the_openai_package_loads_in_a_thread_and_a_failed_import_is_raised_where_needed(
    tmp_path, monkeypatch, capsys
):
    """``prepare`` returns at once (the pipeline goes on reading the parser workers' results);
    an import that fails there prints nothing and is raised by the write that needs it."""
    import threading

    from docgen.config import Config
    from docgen.model import ExtractResult, SourceFile
    from docgen.store.cache import Cache
    from docgen.ui.progress import NullProgress
    from docgen.write.chat import run as chat_run

    started, release = threading.Event(), threading.Event()

    def missing():
        started.set()
        release.wait(10)
        raise ImportError("No module named 'openai'")

    monkeypatch.setattr(chat_run, "_chat_writer", missing)
    module = make_module('"""M."""\n\ndef f(a: int) -> int:\n    return a + 1\n', "m")
    config = Config(endpoints=(Endpoint("http://127.0.0.1:9/v1", "fake-model"),))
    with Cache(str(tmp_path / "cache")) as cache:
        writer = chat_run.ModelWriter(config, cache=cache, progress=NullProgress())
        writer.prepare()
        assert started.wait(10)  # loading, and prepare() has returned
        release.set()
        extracted = [ExtractResult(SourceFile(module.path, module.path, module.name), module)]
        with pytest.raises(ImportError, match="openai"):
            list(writer.write(extracted))
    assert capsys.readouterr().err == ""
