"""Turn what a model sent into answer candidates of the expected shape, before anything is judged.

Models wrap good content in format noise: a ``<think>`` block (that may quote the answer's shape
before the real answer), code fences, prose around the JSON, Python-style dicts, raw newlines in
strings, parameter names written as ``path: str`` or ``\\`path\\```, a bare ``*`` listed as a
parameter, empty fields left out, doctest prompts in examples. None of that says anything about
the content, so it is removed here; what the content *says* is checked afterwards against the code
(:mod:`~docgen.write.chat.validate`), and nothing here can add a word the model did not write.

:func:`candidates` finds every object in the text (the writer keeps the one that validates best);
:func:`normalize` brings one object to the schema's shape.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

import json_repair

from docgen.errors import AnswerError

__all__ = ["candidates", "clean_name", "normalize", "strip_doctest", "strip_reasoning"]

_MAX_OBJECTS = 8
_THINK = re.compile(r"<(think|thinking|reasoning|reflection)>.*?</\1>", re.S | re.I)
_THINK_OPEN = re.compile(r"<(think|thinking|reasoning)>", re.I)
_THINK_CLOSE = re.compile(r"</(think|thinking|reasoning)>", re.I)
_FENCED = re.compile(r"```[a-zA-Z0-9_-]*[ \t]*\n(.*?)\n[ \t]*```", re.S)
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
_NUMBERED = re.compile(r"^\s*(?:\d{1,2}[.)]|[-*•])\s+")
_NAME = re.compile(r"[A-Za-z_]\w*")


def strip_reasoning(text: str) -> str:
    """``text`` without reasoning blocks; a closing tag without its opening one (servers that
    strip the opening tag) ends the reasoning there; an unclosed opening tag runs to the end."""
    text = _THINK.sub(" ", text)
    closes = list(_THINK_CLOSE.finditer(text))
    if closes:
        text = text[closes[-1].end() :]
    opened = _THINK_OPEN.search(text)
    if opened:
        text = text[: opened.start()]
    return text


def _balanced(text: str) -> Iterator[str]:
    """Outermost balanced ``{...}`` stretches, strings in double or single quotes respected."""
    start = text.find("{")
    found = 0
    while start != -1 and found < _MAX_OBJECTS:
        depth = 0
        quote = ""
        esc = False
        end = -1
        for i in range(start, len(text)):
            ch = text[i]
            if quote:
                if esc:
                    esc = False
                elif ch == "\\":
                    esc = True
                elif ch == quote:
                    quote = ""
            elif ch in "\"'":
                quote = ch
            elif ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    end = i
                    break
        if end == -1:
            return
        found += 1
        yield text[start : end + 1]
        start = text.find("{", end + 1)


def _decode(candidate: str) -> Any:
    """One object from ``candidate``: JSON (raw newlines in strings allowed, trailing commas
    dropped), else a Python literal (single quotes, ``True``/``None``)."""
    for variant in (candidate, _TRAILING_COMMA.sub(r"\1", candidate)):
        try:
            return json.loads(variant, strict=False)
        except ValueError:
            pass
    try:
        return ast.literal_eval(candidate)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def candidates(text: str) -> list[dict[str, Any]]:
    """Every JSON object the answer holds, in the order written (reasoning removed).

    Raises :class:`AnswerError` when there is none. The last resort is ``json_repair`` on the
    text from the first ``{``: unescaped quotes and similar slips are repaired there, and what it
    gives is judged like any other answer.
    """
    text = strip_reasoning(text.lstrip("\ufeff")).strip()
    if not text:
        raise AnswerError("the answer is empty")
    whole = _decode(text) if text[:1] in "{[" else None
    if isinstance(whole, dict):
        return [whole]
    found: list[dict[str, Any]] = []
    seen: set[str] = set()
    for stretch in (*_FENCED.findall(text), *_balanced(text)):
        stretch = stretch.strip()
        if stretch in seen:
            continue
        seen.add(stretch)
        value = _decode(stretch)
        if isinstance(value, dict):
            found.append(value)
    if found:
        return found
    start = text.find("{")
    if start != -1:
        try:
            value = json_repair.loads(text[start:])
        except Exception:  # the repair library is best effort; nothing it raises matters here
            value = None
        if isinstance(value, dict) and value:
            return [value]
    raise AnswerError("the answer holds no JSON object")


# --------------------------------------------------------------------------------------------
# one object brought to its schema


def clean_name(raw: str) -> str:
    """A parameter or exception name as the code writes it: ``\\`path\\```, ``*args``,
    ``path: str``, ``path=None``, ``path (str)`` all become ``path``; a bare ``*`` or ``/``
    becomes ``""``."""
    text = raw.strip().strip("`'\"").strip()
    text = text.lstrip("*").strip()
    match = _NAME.match(text)
    return match.group(0) if match else ""


def strip_doctest(code: str) -> str:
    """Doctest-style example code as a plain script: ``>>>``/``...`` prompts removed, the printed
    results kept as comments."""
    lines = code.splitlines()
    if not any(line.lstrip().startswith(">>>") for line in lines):
        return code
    out: list[str] = []
    for line in lines:
        bare = line.strip()
        if bare.startswith(">>>") or (bare.startswith("...") and out):
            out.append(bare[4:] if bare[3:4] == " " else bare[3:])
        elif bare:
            out.append("# " + bare)
    return "\n".join(out)


_FENCE_AROUND = re.compile(r"^\s*```[a-zA-Z0-9_-]*[ \t]*\n(.*?)\n?[ \t]*```\s*$", re.S)


def _code(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    fenced = _FENCE_AROUND.match(value)
    if fenced:
        value = fenced.group(1)
    return strip_doctest(value)


def _text(value: Any) -> str:
    """A string field: lists of strings are joined into paragraphs, numbers written out."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n\n".join(v for v in value if v.strip())
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _first_string(item: Mapping[str, Any], keys: tuple[str, ...]) -> str:
    for key in keys:
        value = item.get(key)
        if isinstance(value, str):
            return value
    return ""


_NAME_KEYS = ("name", "param", "parameter", "argument", "attribute", "exception", "type", "error")
_DESC_KEYS = ("description", "desc", "text", "meaning", "when", "purpose", "details")


def _named(value: Any, field: str, *, allow_self: bool = False) -> list[dict[str, str]]:
    """A list of ``{field: name, "description": text}`` from a list of such objects (other key
    spellings accepted), a ``{name: text}`` mapping, or ``"name: text"`` strings."""
    pairs: list[tuple[str, str]] = []
    if isinstance(value, Mapping):
        pairs = [(str(k), _text(v)) for k, v in value.items()]
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, Mapping):
                keys = (field, *(k for k in _NAME_KEYS if k != field))
                name = _first_string(item, keys)
                pairs.append((name, _first_string(item, _DESC_KEYS)))
            elif isinstance(item, str) and ":" in item:
                name, _, text = item.partition(":")
                pairs.append((name, text.strip()))
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for raw, text in pairs:
        name = clean_name(raw) if field != "exception" else raw.strip().strip("`").strip()
        if field == "exception":
            name = name.split("(")[0].strip()
        if not name or name in seen or (not allow_self and name in ("self", "cls")):
            continue
        seen.add(name)
        out.append({field: name, "description": text})
    return out


def _steps(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [line for line in value.splitlines() if line.strip()]
    if not isinstance(value, list):
        return []
    out: list[str] = []
    for item in value:
        if isinstance(item, Mapping):
            item = _first_string(item, ("step", "description", "text", "action"))
        if isinstance(item, str):
            item = _NUMBERED.sub("", item).strip()
            if item:
                out.append(item)
    return out


def _examples(value: Any) -> list[dict[str, str]]:
    if isinstance(value, Mapping | str):
        value = [value]
    if not isinstance(value, list):
        return []
    out: list[dict[str, str]] = []
    for item in value:
        if isinstance(item, str):
            item = {"code": item}
        if not isinstance(item, Mapping):
            continue
        code = _code(_first_string(item, ("code", "example", "source", "python")))
        if code.strip():
            out.append({"code": code, "description": _first_string(item, _DESC_KEYS)})
    return out


def normalize(answer: Mapping[str, Any], schema: Mapping[str, Any]) -> dict[str, Any]:
    """``answer`` in the shape of ``schema`` (one of :mod:`~docgen.write.chat.answer`'s): every
    field present (a missing one empty), lists and names in their canonical form, unknown fields
    dropped. Content is never added, only moved or removed."""
    props = schema.get("properties", {})
    out: dict[str, Any] = {}
    for key, sub in props.items():
        value = answer.get(key)
        if key in ("params", "attributes"):
            out[key] = _named(value, "name")
        elif key == "raises":
            out[key] = _named(value, "exception")
        elif key == "steps":
            out[key] = _steps(value)
        elif key == "examples":
            out[key] = _examples(value)
        elif key == "usage_example":
            found = _examples(value) if value is not None else []
            out[key] = found[0] if found else None
        elif sub.get("type") == "string":
            out[key] = _text(value)
        else:
            out[key] = value
    return out
