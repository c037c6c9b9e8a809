"""JSON forms of the write stage's docs, as the cache stores them.

The cache stores a doc as JSON (not pickle) so an entry stays readable and survives small changes
to the classes. Every doc is tagged with
its ``kind`` and converts back losslessly (tuples included); keys come out in a stable order so the
same doc always gives the same text.
"""

from __future__ import annotations

import json
from typing import Any

from docgen.errors import SerializeError
from docgen.model import ClassDoc, Doc, Example, FunctionDoc, ModuleDoc, ParamDoc, RaiseDoc

__all__ = [
    "SerializeError",
    "doc_from_dict",
    "doc_from_json",
    "doc_to_dict",
    "doc_to_json",
]


# --------------------------------------------------------------------------------------------
# parts


def _example_to_dict(example: Example) -> dict[str, Any]:
    out = {"code": example.code, "description": example.description}
    if example.lang != "python":
        out["lang"] = example.lang
    return out


def _example_from_dict(data: Any) -> Example:
    lang = _str(data, "lang", "python")
    return Example(
        code=_str(data, "code"),
        description=_str(data, "description", ""),
        lang=lang if lang in ("python", "bash") else "python",
    )


def _pairs_to_list(items: tuple[ParamDoc, ...] | tuple[RaiseDoc, ...]) -> list[dict[str, str]]:
    out = []
    for item in items:
        if isinstance(item, ParamDoc):
            out.append({"name": item.name, "description": item.description})
        else:
            out.append({"exception": item.exception, "description": item.description})
    return out


def _params_from(data: Any, key: str) -> tuple[ParamDoc, ...]:
    return tuple(
        ParamDoc(name=_str(item, "name"), description=_str(item, "description"))
        for item in _list(data, key)
    )


def _raises_from(data: Any) -> tuple[RaiseDoc, ...]:
    return tuple(
        RaiseDoc(exception=_str(item, "exception"), description=_str(item, "description"))
        for item in _list(data, "raises")
    )


def _str(data: Any, key: str, default: str | None = None) -> str:
    if not isinstance(data, dict):
        raise SerializeError(f"expected an object holding {key!r}, got {type(data).__name__}")
    value = data.get(key, default)
    if not isinstance(value, str):
        raise SerializeError(f"{key!r} must be a string, got {type(value).__name__}")
    return value


def _list(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise SerializeError(f"{key!r} must be a list, got {type(value).__name__}")
    return value


def _strings(data: dict[str, Any], key: str) -> tuple[str, ...]:
    values = _list(data, key)
    if not all(isinstance(v, str) for v in values):
        raise SerializeError(f"{key!r} must be a list of strings")
    return tuple(values)


# --------------------------------------------------------------------------------------------
# docs


def doc_to_dict(doc: Doc) -> dict[str, Any]:
    """A JSON-ready dict for a doc, tagged with ``"kind"``: function, class or module."""
    if isinstance(doc, FunctionDoc):
        return {
            "kind": "function",
            "purpose": doc.purpose,
            "summary": doc.summary,
            "params": _pairs_to_list(doc.params),
            "returns": doc.returns,
            "raises": _pairs_to_list(doc.raises),
            "steps": list(doc.steps),
            "examples": [_example_to_dict(e) for e in doc.examples],
        }
    if isinstance(doc, ClassDoc):
        return {
            "kind": "class",
            "purpose": doc.purpose,
            "details": doc.details,
            "attributes": _pairs_to_list(doc.attributes),
            "examples": [_example_to_dict(e) for e in doc.examples],
        }
    if isinstance(doc, ModuleDoc):
        return {
            "kind": "module",
            "title": doc.title,
            "overview": doc.overview,
            "details": doc.details,
            "steps": list(doc.steps),
            "usage_example": (
                None if doc.usage_example is None else _example_to_dict(doc.usage_example)
            ),
            "entry_point": doc.entry_point,
            "entries": [[name, _example_to_dict(e)] for name, e in doc.entries],
        }
    raise TypeError(f"not a doc: {type(doc).__name__}")


def doc_from_dict(data: Any) -> Doc:
    """The doc that :func:`doc_to_dict` made. Raises :class:`SerializeError` on a bad shape."""
    if not isinstance(data, dict):
        raise SerializeError(f"a doc must be an object, got {type(data).__name__}")
    kind = data.get("kind")
    if kind == "function":
        return FunctionDoc(
            purpose=_str(data, "purpose"),
            params=_params_from(data, "params"),
            returns=_str(data, "returns", ""),
            raises=_raises_from(data),
            steps=_strings(data, "steps"),
            examples=tuple(_example_from_dict(e) for e in _list(data, "examples")),
            summary=_str(data, "summary", ""),
        )
    if kind == "class":
        return ClassDoc(
            purpose=_str(data, "purpose"),
            details=_str(data, "details", ""),
            attributes=_params_from(data, "attributes"),
            examples=tuple(_example_from_dict(e) for e in _list(data, "examples")),
        )
    if kind == "module":
        example = data.get("usage_example")
        return ModuleDoc(
            title=_str(data, "title"),
            overview=_str(data, "overview", ""),
            details=_str(data, "details", ""),
            steps=_strings(data, "steps"),
            usage_example=None if example is None else _example_from_dict(example),
            entry_point=_str(data, "entry_point", ""),
            entries=_entries_from(data),
        )
    raise SerializeError(f"unknown doc kind: {kind!r}")


def _entries_from(data: dict[str, Any]) -> tuple[tuple[str, Example], ...]:
    out = []
    for item in _list(data, "entries") if "entries" in data else []:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)):
            raise SerializeError("an entry must be [name, example]")
        out.append((item[0], _example_from_dict(item[1])))
    return tuple(out)


def doc_to_json(doc: Doc) -> str:
    """Compact, ASCII-only JSON (any string, lone surrogates included, survives storage)."""
    return json.dumps(doc_to_dict(doc), separators=(",", ":"))


def doc_from_json(text: str | bytes) -> Doc:
    try:
        data = json.loads(text)
    except ValueError as err:
        raise SerializeError(f"not JSON: {err}") from None
    return doc_from_dict(data)
