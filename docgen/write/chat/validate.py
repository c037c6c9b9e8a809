"""Check a model's answer against its schema and against the code it describes.

:func:`validate` returns a list of short English problems (empty when the answer is usable); the
chat writer sends them back to the model once in a repair prompt, and falls back to the offline
writer's content when the second answer still has problems. The checks:

- the JSON shape matches the schema from :mod:`docgen.write.answer` (a small subset of JSON Schema:
  object, array, string, null, anyOf);
- every code parameter is described and no invented one is;
- a function that returns something has its return value described;
- example code parses as Python;
- names in backticks exist in the module (its source, imports), in Python's builtins or keywords;
- no runaway repetition (the same run of words over and over);
- prose is in the requested language (Cyrillic for ``ru``) and of a sane length.
"""

from __future__ import annotations

import ast
import builtins
import keyword
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any

from docgen.model import FunctionInfo, ModuleInfo, Unit
from docgen.write.chat.answer import code_params, schema_for

__all__ = ["find_repetition", "schema_errors", "validate"]

_MAX_FIELD = 6000
_MAX_TOTAL = 24000
_PROSE_KEYS = frozenset(
    {"purpose", "details", "overview", "title", "description", "returns", "entry_point"}
)
_PROSE_LISTS = frozenset({"steps"})
_BACKTICKED = re.compile(r"(?<!`)`([^`\n]{1,80})`(?!`)")
_DOTTED = re.compile(r"^[A-Za-z_][\w.]*(\(\))?$")
_WORD = re.compile(r"\w+", re.U)
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-z]")
_FENCED = re.compile(r"```.*?(```|$)", re.S)
_BUILTIN_NAMES = (
    frozenset(dir(builtins)) | frozenset(keyword.kwlist) | frozenset(keyword.softkwlist)
)
_COMMON = frozenset(
    {"self", "cls", "args", "kwargs", "str", "int", "float", "bool", "bytes", "list", "dict",
     "tuple", "set", "Optional", "Union", "Any", "Callable", "Iterable", "Iterator", "Sequence",
     "Mapping", "Generator", "AsyncIterator", "Awaitable", "typing", "json", "os", "sys",
     "asyncio", "pathlib", "Path", "re", "collections", "dataclasses", "main", "__main__",
     "__name__", "__init__", "pip", "python", "pytest"}
)  # fmt: skip


def schema_errors(value: Any, schema: Mapping[str, Any], path: str = "answer") -> list[str]:
    """Where ``value`` does not match ``schema`` (the subset the answer schemas use)."""
    if "anyOf" in schema:
        options = [schema_errors(value, s, path) for s in schema["anyOf"]]
        return [] if any(not o for o in options) else options[0]
    kind = schema.get("type")
    if kind == "null":
        return [] if value is None else [f"{path} must be null"]
    if kind == "string":
        return [] if isinstance(value, str) else [f"{path} must be a string"]
    if kind == "array":
        if not isinstance(value, list):
            return [f"{path} must be an array"]
        errors: list[str] = []
        for i, item in enumerate(value):
            errors += schema_errors(item, schema["items"], f"{path}[{i}]")
        return errors
    if kind == "object":
        if not isinstance(value, Mapping):
            return [f"{path} must be an object"]
        errors = []
        props = schema.get("properties", {})
        for key in schema.get("required", ()):
            if key not in value:
                errors.append(f"{path}.{key} is missing")
        for key, sub in props.items():
            if key in value:
                errors += schema_errors(value[key], sub, f"{path}.{key}")
        return errors
    return []


def find_repetition(text: str, *, size: int = 8, limit: int = 5) -> str | None:
    """A run of ``size`` words that occurs more than ``limit`` times, if any (a looping model)."""
    words = _WORD.findall(text.lower())
    if len(words) < size * limit:
        return None
    counts = Counter(tuple(words[i : i + size]) for i in range(len(words) - size + 1))
    shingle, count = counts.most_common(1)[0]
    if count > limit:
        return " ".join(shingle)
    return None


def _strings(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """Every string in the answer with the key that holds it."""
    if isinstance(value, str):
        yield key, value
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield from _strings(v, str(k))
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v, key)


def _prose(strings: Sequence[tuple[str, str]]) -> list[str]:
    return [s for k, s in strings if k in _PROSE_KEYS or k in _PROSE_LISTS]


@lru_cache(maxsize=16)
def _identifiers(source: str) -> frozenset[str]:
    """Every word in a module's source, computed once per module (a large module's source would
    otherwise be scanned again for each of its units; a str caches its own hash)."""
    return frozenset(_WORD.findall(source))


def _known_names(unit: Unit, module: ModuleInfo) -> tuple[frozenset[str], set[str]]:
    """The words of the module's source, and the names its imports bind plus the unit's
    parameters (two sets, so the large first one is never copied)."""
    extra = {i.bound for i in module.imports}
    extra.update(i.module.split(".")[0] for i in module.imports if i.module)
    extra.update(module.name.split("."))
    if isinstance(unit, FunctionInfo):
        extra.update(p.name for p in unit.params)
    return _identifiers(module.source), extra


def _check_names(prose: Sequence[str], known: tuple[frozenset[str], set[str]]) -> list[str]:
    words, extra = known
    unknown: list[str] = []
    for text in prose:
        if "`" not in text:
            continue
        for match in _BACKTICKED.finditer(_FENCED.sub("", text)):
            token = match.group(1).strip()
            if not _DOTTED.match(token):
                continue  # an expression, a literal, a path: not a name to check
            root = token.removesuffix("()").split(".")[0]
            if root in words or root in extra or root in _BUILTIN_NAMES or root in _COMMON:
                continue
            if token not in unknown:
                unknown.append(token)
    return [f"`{name}` is not defined in the module, its imports or builtins" for name in unknown]


def _check_examples(answer: Mapping[str, Any]) -> list[str]:
    items = answer.get("examples")
    codes = (
        [i.get("code") for i in items if isinstance(i, Mapping)] if isinstance(items, list) else []
    )
    usage = answer.get("usage_example")
    if isinstance(usage, Mapping):
        codes.append(usage.get("code"))
    errors = []
    for n, code in enumerate(codes, 1):
        if not isinstance(code, str) or not code.strip():
            errors.append(f"example {n} has no code")
            continue
        try:
            ast.parse(code)
        except (SyntaxError, ValueError) as exc:
            errors.append(
                f"example {n} is not valid Python: {exc.msg if hasattr(exc, 'msg') else exc}"
            )
    return errors


def _check_language(prose: Sequence[str], lang: str) -> list[str]:
    text = _FENCED.sub("", " ".join(prose))
    text = _BACKTICKED.sub("", text)
    cyr = len(_CYRILLIC.findall(text))
    lat = len(_LATIN.findall(text))
    if cyr + lat < 30:
        return []
    share = cyr / (cyr + lat)
    if lang == "ru" and share < 0.6:
        return ["the prose must be written in Russian"]
    if lang == "en" and share > 0.2:
        return ["the prose must be written in English"]
    return []


def _check_coverage(unit: Unit, answer: Mapping[str, Any]) -> list[str]:
    errors: list[str] = []
    if isinstance(unit, FunctionInfo):
        expected = code_params(unit)
        said = {}
        for item in answer.get("params") or ():
            if isinstance(item, Mapping) and isinstance(item.get("name"), str):
                said[item["name"].lstrip("*").strip()] = item.get("description")
        for name in expected:
            desc = said.get(name)
            if not isinstance(desc, str) or not desc.strip():
                errors.append(f"parameter `{name}` is not described")
        bound = {"self", "cls", unit.bound_param}
        extra = [n for n in said if n not in expected and n not in bound]
        if extra:
            errors.append("no such parameter(s): " + ", ".join(f"`{n}`" for n in extra))
        returns = answer.get("returns")
        if unit.returns_value and not (isinstance(returns, str) and returns.strip()):
            errors.append("the return value is not described")
    key = "overview" if isinstance(unit, ModuleInfo) else "purpose"
    text = answer.get(key)
    if isinstance(text, str) and len(text.strip()) < 10:
        errors.append(f"{key} is missing or too short")
    return errors


def _check_length(answer: Mapping[str, Any], strings: Sequence[tuple[str, str]]) -> list[str]:
    errors = []
    total = 0
    for key, text in strings:
        total += len(text)
        if len(text) > _MAX_FIELD:
            errors.append(f"{key} is too long ({len(text)} characters); be concise")
    if total > _MAX_TOTAL:
        errors.append(f"the answer is too long ({total} characters); be concise")
    steps = answer.get("steps")
    if isinstance(steps, list) and len(steps) > 30:
        errors.append("too many steps; keep to the main ones")
    return errors[:3]


def validate(unit: Unit, answer: Any, *, module: ModuleInfo, lang: str) -> list[str]:
    """Problems with ``answer`` for ``unit`` (empty when it can be used)."""
    _, schema = schema_for(unit)
    errors = schema_errors(answer, schema)
    if not isinstance(answer, Mapping):
        return errors or ["the answer must be a JSON object"]
    errors = errors[:6]
    errors += _check_coverage(unit, answer)
    errors += _check_examples(answer)
    strings = list(_strings(answer))
    prose = _prose(strings)
    errors += _check_names(prose, _known_names(unit, module))
    repeated = find_repetition(" ".join(s for k, s in strings if k != "code"))
    if repeated:
        errors.append(f"the text repeats itself ({repeated!r} again and again)")
    errors += _check_language(prose, lang)
    errors += _check_length(answer, strings)
    return errors
