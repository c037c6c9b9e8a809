"""Validation of a model's answer against its schema and against the code."""

from __future__ import annotations

import pytest
from chat_fixtures import make_module

from docgen.write.chat.validate import find_repetition, schema_errors, validate

SOURCE = '''
import json
from pathlib import Path

def load(path: str, *, strict: bool = False) -> dict:
    """Read settings."""
    text = Path(path).read_text()
    if strict and not text:
        raise ValueError("empty")
    return json.loads(text)
'''


@pytest.fixture
def module():
    return make_module(SOURCE)


def good() -> dict:
    return {
        "purpose": "Читает файл настроек `path` и возвращает словарь с разобранными значениями.",
        "params": [
            {"name": "path", "description": "путь к файлу настроек"},
            {"name": "strict", "description": "требовать непустой файл"},
        ],
        "returns": "словарь настроек, разобранный функцией `json.loads`",
        "raises": [{"exception": "ValueError", "description": "файл пуст в строгом режиме"}],
        "steps": ["Читает текст через `Path.read_text`.", "Разбирает JSON."],
        "examples": [{"code": "cfg = load('a.json')\nprint(cfg)", "description": "чтение"}],
    }


def test_a_good_answer_passes(module):
    assert validate(module.functions[0], good(), module=module, lang="ru") == []


def test_schema_problems_are_named():
    from docgen.write.chat.answer import FUNCTION_SCHEMA

    errors = schema_errors({"purpose": 1, "params": [{"name": "x"}]}, FUNCTION_SCHEMA)
    assert "answer.purpose must be a string" in errors
    assert "answer.params[0].description is missing" in errors
    assert "answer.returns is missing" in errors


def test_parameters_must_all_be_covered_and_none_invented(module):
    answer = good()
    answer["params"] = [
        {"name": "path", "description": "путь"},
        {"name": "mode", "description": "x"},
    ]
    errors = validate(module.functions[0], answer, module=module, lang="ru")
    assert "parameter `strict` is not described" in errors
    assert any("`mode`" in e for e in errors)


def test_return_value_must_be_described(module):
    answer = good()
    answer["returns"] = ""
    assert "the return value is not described" in validate(
        module.functions[0], answer, module=module, lang="ru"
    )


def test_examples_must_parse(module):
    answer = good()
    answer["examples"] = [{"code": "load('a.json'", "description": "x"}]
    errors = validate(module.functions[0], answer, module=module, lang="ru")
    assert any(e.startswith("example 1 is not valid Python") for e in errors)


def test_backticked_names_must_exist(module):
    answer = good()
    answer["steps"] = [
        "Вызывает `yaml.safe_load` и `helper()`.",
        "Использует `len`, `Path`, `text`, `a + b` и `'строку'`.",
    ]
    errors = validate(module.functions[0], answer, module=module, lang="ru")
    unknown = [e for e in errors if "is not defined" in e]
    assert len(unknown) == 2
    assert "`yaml.safe_load`" in unknown[0] and "`helper()`" in unknown[1]


def test_runaway_repetition_is_caught(module):
    answer = good()
    answer["purpose"] = "Функция читает файл и возвращает словарь. " * 12
    errors = validate(module.functions[0], answer, module=module, lang="ru")
    assert any("repeats itself" in e for e in errors)
    assert find_repetition("разные слова здесь без всякого повтора вообще") is None
    answer = good()
    answer["examples"] = [{"code": "print(load('a.json', strict=True))\n" * 8, "description": "x"}]
    assert validate(module.functions[0], answer, module=module, lang="ru") == []


def test_language_is_checked(module):
    answer = good()
    answer["purpose"] = "Reads the settings file and returns a dictionary of parsed values."
    answer["steps"] = ["Reads the text of the file.", "Parses it as JSON and returns it."]
    answer["returns"] = "the parsed settings as a dictionary"
    answer["params"] = [{"name": "path", "description": "the path"},
                        {"name": "strict", "description": "whether empty is an error"}]  # fmt: skip
    assert "the prose must be written in Russian" in validate(
        module.functions[0], answer, module=module, lang="ru"
    )
    assert validate(module.functions[0], answer, module=module, lang="en") == []


def test_length_is_bounded(module):
    answer = good()
    answer["steps"] = [f"Шаг номер {i} делает что-то своё, отличное от других." for i in range(40)]
    errors = validate(module.functions[0], answer, module=module, lang="ru")
    assert "too many steps; keep to the main ones" in errors
    answer = good()
    answer["purpose"] = "".join(f"Слово{i} " for i in range(2000))
    assert any(
        "too long" in e for e in validate(module.functions[0], answer, module=module, lang="ru")
    )


def test_not_an_object(module):
    assert validate(module.functions[0], ["x"], module=module, lang="ru")
