"""Validation of a model's answer against its schema and against the code."""

from __future__ import annotations

import pytest
from chat_fixtures import make_module

from docgen.write.chat.names import Names, language_ok
from docgen.write.chat.validate import find_repetition, judge, schema_errors, validate

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


def verdict(module, answer, lang="ru"):
    from docgen.write.chat.answer import FUNCTION_SCHEMA
    from docgen.write.chat.normalize import normalize

    return judge(module.functions[0], normalize(answer, FUNCTION_SCHEMA), module=module, lang=lang)


def test_parameters_must_all_be_covered_and_invented_ones_are_dropped(module):
    answer = good()
    answer["params"] = [
        {"name": "path", "description": "путь"},
        {"name": "mode", "description": "x"},
    ]
    v = verdict(module, answer)
    assert [f.text for f in v.findings] == ["parameter `strict` is not described"]
    assert v.findings[0].gap and not v.hard  # filled from the offline writer on the last try
    assert [p["name"] for p in v.answer["params"]] == ["path"] and v.removed == 1


def test_return_value_must_be_described(module):
    answer = good()
    answer["returns"] = ""
    assert "the return value is not described" in validate(
        module.functions[0], answer, module=module, lang="ru"
    )


def test_examples_that_do_not_parse_are_removed(module):
    answer = good()
    answer["examples"] = [{"code": "load('a.json'", "description": "x"}, *answer["examples"]]
    v = verdict(module, answer)
    assert v.findings == () and v.removed == 1
    assert [e["code"] for e in v.answer["examples"]] == [good()["examples"][0]["code"]]


def test_sentences_naming_what_the_code_lacks_are_removed(module):
    answer = good()
    answer["steps"] = [
        "Вызывает `yaml.safe_load` и `helper()`.",
        "Использует `len`, `Path`, `text`, `a + b` и `'строку'`.",
        "Читает `Path(path).read_text()` и разбирает его `json.loads`.",
    ]
    v = verdict(module, answer)
    assert v.findings == ()
    assert v.answer["steps"] == answer["steps"][1:] and v.removed == 1
    assert v.unknown == ("yaml.safe_load", "helper()")


def test_whole_attribute_chains_and_subscripts_are_checked(module):
    names = Names(module.functions[0], module)
    assert names.unknown("os.path.join()")  # the module imports neither os nor path
    assert names.unknown("choices[0].message.content")
    assert names.unknown("json.no_such_function")  # the real json module has no such name
    assert not names.unknown("json.dumps")  # the real json module has it
    assert not names.unknown("Path(path).read_text()")
    assert not names.unknown("text.strip")  # str's own method
    assert not names.unknown("json.loads(text)")


def test_a_hit_in_the_purpose_or_a_parameter_asks_again(module):
    answer = good()
    answer["purpose"] = "Читает настройки через `yaml.safe_load` и возвращает словарь значений."
    v = verdict(module, answer)
    assert [f.code for f in v.hard] == ["unknown_name"] and v.hard[0].values["field"] == "purpose"
    answer = good()
    answer["params"][0]["description"] = "путь, который открывает `aiofiles.open`"
    v = verdict(module, answer)
    assert [f.values.get("field") for f in v.hard] == ["params:path"]


def test_too_much_removed_asks_again(module):
    answer = good()
    answer["steps"] = [f"Вызывает `missing_{i}`." for i in range(8)] + ["Читает файл."]
    answer["returns"] = "словарь"
    v = verdict(module, answer)
    assert [f.code for f in v.hard] == ["too_much_removed"]


def test_runaway_repetition_is_caught(module):
    answer = good()
    answer["purpose"] = "Функция читает файл и возвращает словарь. " * 12
    errors = validate(module.functions[0], answer, module=module, lang="ru")
    assert any("repeats itself" in e for e in errors)
    assert find_repetition("разные слова здесь без всякого повтора вообще") is None
    answer = good()
    answer["examples"] = [{"code": "print(load('a.json', strict=True))\n" * 8, "description": "x"}]
    assert validate(module.functions[0], answer, module=module, lang="ru") == []


def test_language_is_checked_per_field(module):
    answer = good()
    answer["purpose"] = "Reads the settings file and returns a dictionary of parsed values."
    answer["steps"] = ["Reads the text of the file.", "Parses it as JSON and returns it."]
    answer["returns"] = "the parsed settings as a dictionary"
    answer["params"] = [{"name": "path", "description": "the path"},
                        {"name": "strict", "description": "whether empty is an error"}]  # fmt: skip
    answer["raises"] = [{"exception": "ValueError", "description": "when the file is empty"}]
    answer["examples"][0]["description"] = "reading settings"
    assert any(
        "page's language" in e
        for e in validate(module.functions[0], answer, module=module, lang="ru")
    )
    assert validate(module.functions[0], answer, module=module, lang="en") == []
    answer = good()
    answer["steps"] = ["Парсит input data, обрабатывает each line."]
    assert [f.values["field"] for f in verdict(module, answer).hard] == ["steps"]


@pytest.mark.parametrize(
    "text",
    [
        "Отправляет POST-запрос к API OpenAI через httpx и возвращает JSON.",
        "Читает `path` через `Path.read_text` и разбирает `json.loads`.",
        "Кэширует ответ в Redis на timeout секунд.",
    ],
)
def test_russian_full_of_terms_passes(text):
    assert language_ok(text, "ru")


@pytest.mark.parametrize(
    "text", ["Reads the file and returns its text.", "парсит input data, обрабатывает each line"]
)
def test_english_or_half_english_fails(text):
    assert not language_ok(text, "ru")


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
