"""Parsing model answers tolerantly, and merging them with facts from the code."""

from __future__ import annotations

import json

import pytest
from chat_fixtures import make_module, offline_stub

from docgen.model import ClassDoc, FunctionDoc, ModuleDoc
from docgen.write.chat.answer import (
    AnswerError,
    code_params,
    code_raises,
    merge,
    parse_answer,
    schema_for,
)

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
    assert parse_answer('{"x": 1} and then {"y": 2}') == {"x": 1}


@pytest.mark.parametrize("text", ["", "   ", "нет JSON", '{"a": ', "[1, 2]"])
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
