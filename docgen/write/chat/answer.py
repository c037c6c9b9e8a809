"""The model's answer: its JSON schema per unit kind, tolerant parsing, and merging with code facts.

A chat model only writes prose. The answer it gives is a JSON object whose shape depends on the
unit kind (:func:`schema_for`); :mod:`~docgen.write.chat.normalize` digs that object out of
whatever the model sent, and :func:`merge` builds the final
:class:`~docgen.model.Doc` from it. The merge takes every *fact* from the code: the parameter list
and its order, the exceptions raised, whether anything is returned, whether there is an entry
point. The model's text only describes those facts, and all of it is sanitized on the way in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from docgen.model import (
    ClassDoc,
    ClassInfo,
    Doc,
    Example,
    FunctionDoc,
    FunctionInfo,
    ModuleDoc,
    ModuleInfo,
    ParamDoc,
    RaiseDoc,
    Unit,
)
from docgen.write.chat.sanitize import sanitize_block, sanitize_code, sanitize_inline

__all__ = [
    "code_params",
    "code_raises",
    "merge",
    "schema_for",
]


# --------------------------------------------------------------------------------------------
# schemas (a small JSON Schema subset, also checked by docgen.write.chat.validate)

_STR: dict[str, Any] = {"type": "string"}
_STR_LIST: dict[str, Any] = {"type": "array", "items": _STR}


def _obj(**props: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": dict(props),
        "required": list(props),
        "additionalProperties": False,
    }


_NAMED = _obj(name=_STR, description=_STR)
_EXAMPLE = _obj(code=_STR, description=_STR)

FUNCTION_SCHEMA: dict[str, Any] = _obj(
    purpose=_STR,
    params={"type": "array", "items": _NAMED},
    returns=_STR,
    raises={"type": "array", "items": _obj(exception=_STR, description=_STR)},
    steps=_STR_LIST,
    examples={"type": "array", "items": _EXAMPLE},
)
CLASS_SCHEMA: dict[str, Any] = _obj(
    purpose=_STR,
    details=_STR,
    attributes={"type": "array", "items": _NAMED},
    examples={"type": "array", "items": _EXAMPLE},
)
MODULE_SCHEMA: dict[str, Any] = _obj(
    title=_STR,
    overview=_STR,
    details=_STR,
    steps=_STR_LIST,
    usage_example={"anyOf": [_EXAMPLE, {"type": "null"}]},
    entry_point=_STR,
)


def schema_for(unit: Unit) -> tuple[str, dict[str, Any]]:
    """The schema name and JSON schema of the answer expected for this unit."""
    if isinstance(unit, ModuleInfo):
        return "module_doc", MODULE_SCHEMA
    if isinstance(unit, ClassInfo):
        return "class_doc", CLASS_SCHEMA
    return "function_doc", FUNCTION_SCHEMA


# --------------------------------------------------------------------------------------------
# facts from the code


def code_params(fn: FunctionInfo) -> tuple[str, ...]:
    """The names of the documented parameters: all but a method's bound first one."""
    return tuple(p.name for p in fn.call_params)


def code_raises(fn: FunctionInfo) -> tuple[str, ...]:
    """The exceptions the body raises, in order, each once (bare re-raises left out)."""
    out: list[str] = []
    for r in fn.raises:
        if r.exception:
            name = r.exception.split("(")[0].strip()
            if name and name not in out:
                out.append(name)
    return tuple(out)


def _key(name: str) -> str:
    return name.lstrip("*").strip().strip("`").rsplit(".", 1)[-1]


def _described(items: Any, field: str) -> dict[str, str]:
    """Map ``name -> description`` from a list of ``{field: name, description: ...}`` objects."""
    out: dict[str, str] = {}
    if isinstance(items, list):
        for item in items:
            if isinstance(item, Mapping) and isinstance(item.get(field), str):
                desc = item.get("description")
                out.setdefault(_key(item[field]), desc if isinstance(desc, str) else "")
    return out


def _examples(items: Any) -> tuple[Example, ...]:
    out: list[Example] = []
    if isinstance(items, list):
        for item in items[:5]:
            if isinstance(item, Mapping) and isinstance(item.get("code"), str):
                code = sanitize_code(item["code"])
                if code.strip():
                    out.append(Example(code, sanitize_inline(item.get("description", ""))))
    return tuple(out)


def _steps(items: Any) -> tuple[str, ...]:
    if not isinstance(items, list):
        return ()
    return tuple(s for s in (sanitize_inline(i) for i in items[:30] if isinstance(i, str)) if s)


# --------------------------------------------------------------------------------------------
# merging


def merge(unit: Unit, answer: Mapping[str, Any], fallback: Callable[[], Doc]) -> Doc:
    """The final doc: facts from the code, prose from ``answer`` (sanitized), gaps filled from
    ``fallback()`` (the offline writer's doc), called only when a gap needs it."""
    cache: list[Doc] = []

    def offline() -> Doc:
        if not cache:
            cache.append(fallback())
        return cache[0]

    if isinstance(unit, ModuleInfo):
        return _merge_module(unit, answer, offline)
    if isinstance(unit, ClassInfo):
        return _merge_class(unit, answer, offline)
    return _merge_function(unit, answer, offline)


def _merge_function(
    fn: FunctionInfo, answer: Mapping[str, Any], offline: Callable[[], Doc]
) -> FunctionDoc:
    said = _described(answer.get("params"), "name")
    params: list[ParamDoc] = []
    for name in code_params(fn):
        text = sanitize_inline(said.get(name, ""))
        if not text:
            base = offline()
            known = {p.name: p.description for p in getattr(base, "params", ())}
            text = known.get(name, "")
        params.append(ParamDoc(name, text))
    said_raises = _described(answer.get("raises"), "exception")
    raises: list[RaiseDoc] = []
    for exc in code_raises(fn):
        text = sanitize_inline(said_raises.get(_key(exc), ""))
        if not text:
            known = {r.exception: r.description for r in getattr(offline(), "raises", ())}
            text = known.get(exc, "")
        raises.append(RaiseDoc(exc, text))
    returns = ""
    if fn.returns_value:
        returns = sanitize_inline(answer.get("returns", "")) or getattr(offline(), "returns", "")
    summary = ""
    if fn.docstring:
        summary = getattr(offline(), "summary", "")
    return FunctionDoc(
        purpose=sanitize_inline(answer.get("purpose", "")),
        params=tuple(params),
        returns=returns,
        raises=tuple(raises),
        steps=_steps(answer.get("steps")),
        examples=_examples(answer.get("examples")),
        summary=summary,
    )


def _merge_class(cls: ClassInfo, answer: Mapping[str, Any], offline: Callable[[], Doc]) -> ClassDoc:
    said = _described(answer.get("attributes"), "name")
    attributes: list[ParamDoc] = []
    for attr in cls.attributes:
        text = sanitize_inline(said.get(attr.name, ""))
        if not text:
            known = {a.name: a.description for a in getattr(offline(), "attributes", ())}
            text = known.get(attr.name, "")
        attributes.append(ParamDoc(attr.name, text))
    return ClassDoc(
        purpose=sanitize_inline(answer.get("purpose", "")),
        details=sanitize_block(answer.get("details", "")),
        attributes=tuple(attributes),
        examples=_examples(answer.get("examples")),
    )


def _merge_module(
    module: ModuleInfo, answer: Mapping[str, Any], offline: Callable[[], Doc]
) -> ModuleDoc:
    example = _examples([answer.get("usage_example")])
    entry = ""
    if module.main_block is not None:
        entry = sanitize_block(answer.get("entry_point", "")) or getattr(
            offline(), "entry_point", ""
        )
    return ModuleDoc(
        title=sanitize_inline(answer.get("title", ""), limit=200)
        or getattr(offline(), "title", ""),
        overview=sanitize_block(answer.get("overview", "")),
        details=sanitize_block(answer.get("details", "")),
        steps=_steps(answer.get("steps")),
        usage_example=example[0] if example else None,
        entry_point=entry,
    )
