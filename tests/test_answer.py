"""Parsing model answers tolerantly, and merging them with facts from the code."""

from __future__ import annotations

import json

import pytest
from chat_fixtures import make_module, offline_stub

from docgen.errors import AnswerError
from docgen.model import ClassDoc, FunctionDoc, ModuleDoc
from docgen.write.chat.answer import (
    FUNCTION_SCHEMA,
    MODULE_SCHEMA,
    code_params,
    code_raises,
    merge,
    schema_for,
)
from docgen.write.chat.normalize import candidates, clean_name, normalize, strip_doctest


def parse_answer(text: str) -> dict:
    """The object a single-object answer holds (the writer judges all candidates)."""
    return candidates(text)[-1]


SOURCE = '''
import json

class Store:
    path: str = "db.json"

    def load(self, key: str, *, default=None) -> dict:
        """Read one entry."""
        if not key:
            raise ValueError("empty key")
        if key == "?":
            raise errors.Missing(key)
        return json.loads(key) or default

    def clear(self):
        self.data = {}

def main():
    print("hi")

if __name__ == "__main__":
    main()
'''


@pytest.fixture
def module():
    return make_module(SOURCE)


def test_parse_bare_fenced_and_wrapped_json():
    assert parse_answer('{"a": 1}') == {"a": 1}
    assert parse_answer('Вот ответ:\n```json\n{"a": "}"}\n```\nГотово.') == {"a": "}"}
    assert parse_answer('Конечно! {"a": {"b": [1, 2,]},} надеюсь, помог') == {"a": {"b": [1, 2]}}
    assert candidates('{"x": 1} and then {"y": 2}') == [{"x": 1}, {"y": 2}]


def test_reasoning_python_literals_and_raw_newlines():
    shape = '{"purpose": "...", "params": [{"name": "...", "description": "..."}]}'
    text = (
        f"<think>The answer must look like {shape}. Let me write it.</think>\n"
        + '{"purpose": "да"}'
    )
    assert candidates(text) == [{"purpose": "да"}]
    assert candidates("Вот: {'purpose': 'Читает', 'raises': [], 'ok': True}") == [
        {"purpose": "Читает", "raises": [], "ok": True}
    ]
    assert candidates('{"purpose": "строка один\nстрока два"}'.replace("\\n", "\n")) == [
        {"purpose": "строка один\nстрока два"}
    ]
    # a server that drops the opening tag; an answer whose quotes need repair
    assert candidates('думаю...</think>{"a": 1}') == [{"a": 1}]
    assert candidates('{"purpose": "он сказал "да" и ушёл"}') == [
        {"purpose": 'он сказал "да" и ушёл'}
    ]


@pytest.mark.parametrize(
    ("raw", "name"),
    [("`path`", "path"), ("path: str", "path"), ("*args", "args"), ("**kw", "kw"),
     ("timeout=None", "timeout"), ("path (str)", "path"), ("*", ""), ("/", "")],
)  # fmt: skip
def test_parameter_names_are_cleaned(raw, name):
    assert clean_name(raw) == name


def test_normalize_fills_missing_fields_and_canonicalises_lists():
    answer = {
        "purpose": "Назначение.",
        "params": [{"name": "`key`: str", "description": "ключ"}, {"name": "*", "description": ""}],
        "steps": "1. Первый шаг.\n2. Второй шаг.",
        "examples": [{"code": ">>> f(1)\n2\n>>> f(\n...     2)", "description": "вызов"}],
    }
    out = normalize(answer, FUNCTION_SCHEMA)
    assert out["params"] == [{"name": "key", "description": "ключ"}]
    assert out["returns"] == "" and out["raises"] == []
    assert out["steps"] == ["Первый шаг.", "Второй шаг."]
    assert out["examples"][0]["code"] == "f(1)\n# 2\nf(\n    2)"
    module = normalize({"overview": "О.", "usage_example": "print(1)"}, MODULE_SCHEMA)
    assert module["usage_example"] == {"code": "print(1)", "description": ""}
    assert module["title"] == "" and module["steps"] == []
    params = normalize({"params": {"a": "первый", "b": "второй"}}, FUNCTION_SCHEMA)["params"]
    assert [p["name"] for p in params] == ["a", "b"]


def test_doctest_prompts_are_stripped():
    assert strip_doctest("x = 1\nprint(x)") == "x = 1\nprint(x)"
    assert strip_doctest(">>> 1 + 1\n2") == "1 + 1\n# 2"


@pytest.mark.parametrize("text", ["", "   ", "нет JSON", "[1, 2]", "<think>{}</think>"])
def test_parse_rejects_answers_without_an_object(text):
    with pytest.raises(AnswerError):
        parse_answer(text)


def test_code_facts(module):
    load, clear = module.classes[0].methods
    assert code_params(load) == ("key", "default")
    assert code_raises(load) == ("ValueError", "errors.Missing")
    assert load.returns_value
    assert not clear.returns_value
    assert not module.functions[0].returns_value
    odd = make_module(
        "class K:\n    def m(this, a):\n        pass\n"
        "    @staticmethod\n    def s(a, b):\n        pass\n"
    )
    m, s = odd.classes[0].methods
    assert code_params(m) == ("a",) and code_params(s) == ("a", "b")


def test_schemas_per_kind(module):
    assert schema_for(module)[0] == "module_doc"
    assert schema_for(module.classes[0])[0] == "class_doc"
    name, schema = schema_for(module.classes[0].methods[0])
    assert name == "function_doc"
    assert schema["required"] == list(schema["properties"])
    json.dumps(schema)  # serializable for response_format


def test_function_merge_takes_facts_from_code(module):
    load = module.classes[0].methods[0]
    answer = {
        "purpose": "Читает <b>запись</b>.",
        "params": [
            {"name": "default", "description": "значение по умолчанию"},
            {"name": "self", "description": "экземпляр"},
            {"name": "invented", "description": "выдуман"},
        ],
        "returns": "словарь",
        "raises": [
            {"exception": "KeyError", "description": "выдумано"},
            {"exception": "ValueError", "description": "если ключ пуст"},
        ],
        "steps": ["Проверяет ключ.", 3, "Читает JSON."],
        "examples": [{"code": "store.load('a')", "description": "чтение"}],
    }
    doc = merge(load, answer, lambda: offline_stub(load, None))
    assert isinstance(doc, FunctionDoc)
    assert [p.name for p in doc.params] == ["key", "default"]  # code order, self left out
    assert doc.params[0].description == "OFFLINE param"  # gap filled from the offline doc
    assert doc.params[1].description == "значение по умолчанию"
    assert [r.exception for r in doc.raises] == ["ValueError", "errors.Missing"]
    assert doc.raises[0].description == "если ключ пуст"
    assert doc.returns == "словарь"
    assert doc.steps == ("Проверяет ключ.", "Читает JSON.")
    assert "<b>" not in doc.purpose
    assert doc.summary == "OFFLINE summary"


def test_function_without_return_value_has_no_returns(module):
    clear = module.classes[0].methods[1]
    answer = {"purpose": "Очищает.", "params": [], "returns": "что-то", "raises": [],
              "steps": [], "examples": []}  # fmt: skip
    called = []
    doc = merge(clear, answer, lambda: called.append(1) or offline_stub(clear, None))
    assert doc.returns == ""
    assert not called  # no gap, the offline writer is not needed


def test_class_and_module_merge(module):
    cls = module.classes[0]
    doc = merge(cls, {"purpose": "Хранит.", "details": "# x\nтекст", "attributes": [],
                      "examples": []}, lambda: offline_stub(cls, None))  # fmt: skip
    assert isinstance(doc, ClassDoc)
    assert [a.name for a in doc.attributes] == ["path"]
    assert doc.details.startswith("\\# x")
    mod = merge(
        module,
        {"title": "для хранения", "overview": "Обзор.", "details": "", "steps": ["Шаг."],
         "usage_example": {"code": "main()", "description": "запуск"}, "entry_point": "Запуск."},
        lambda: offline_stub(module, None),
    )  # fmt: skip
    assert isinstance(mod, ModuleDoc)
    assert mod.usage_example is not None and mod.usage_example.code == "main()"
    assert mod.entry_point == "Запуск."
    no_main = make_module("def f():\n    pass\n")
    mod2 = merge(no_main, {"entry_point": "выдумано", "usage_example": None}, lambda: None)
    assert mod2.entry_point == "" and mod2.usage_example is None
