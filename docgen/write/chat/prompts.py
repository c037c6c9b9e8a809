"""Build the chat messages for one unit from the prompt templates.

The words of every prompt live in ``templates/prompts/<lang>/`` (``system.j2``, ``function.j2``,
``class.j2``, ``module.j2``, and ``repair.j2``, which words every kind of finding); this module
only chooses the template and fills it:
the unit's exact source, its module's overview, the signatures of what it calls and the JSON shape
the answer must take, all kept within a token budget. Sources that do not fit lose their middle,
replaced by a marker line, so the signature and the end of the body are always seen.

:func:`docgen.write.chat.version.prompt_version` hashes the templates and the code that makes a
prompt, so the cache can tell when prompts changed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from docgen.extract.outline import outline as outline_source
from docgen.markup import signature
from docgen.model import ClassInfo, ModuleInfo, Unit, UnitContext
from docgen.resources import environment, render, templates_dir
from docgen.write.chat.answer import (
    CLASS_SCHEMA,
    FUNCTION_SCHEMA,
    MODULE_SCHEMA,
    code_params,
    code_raises,
    schema_for,
)
from docgen.write.chat.estimate import CHARS_PER_TOKEN

__all__ = [
    "DEFAULT_BUDGET",
    "PromptBuilder",
    "prompts_dir",
]

DEFAULT_BUDGET = 6000  # tokens for one request's prompt
_SCHEMAS = {"function_doc": FUNCTION_SCHEMA, "class_doc": CLASS_SCHEMA, "module_doc": MODULE_SCHEMA}


def prompts_dir() -> Path:
    """The folder holding ``<lang>/*.j2`` prompt templates."""
    return templates_dir() / "prompts"


def truncate_middle(text: str, max_chars: int) -> str:
    """``text`` with whole lines cut from its middle so it fits ``max_chars``, marked in place."""
    if len(text) <= max_chars:
        return text
    lines = text.splitlines()
    head: list[str] = []
    tail: list[str] = []
    size = 0
    keep = max(max_chars - 40, 0)
    i, j = 0, len(lines) - 1
    while i <= j:
        take_head = len(head) <= 2 * len(tail)
        line = lines[i] if take_head else lines[j]
        if size + len(line) + 1 > keep:
            break
        size += len(line) + 1
        if take_head:
            head.append(line)
            i += 1
        else:
            tail.append(line)
            j -= 1
    omitted = j - i + 1
    marker = f"# ... {omitted} lines omitted ..."
    if not head and not tail:
        return text[: max(keep, 0)] + "\n" + marker
    return "\n".join([*head, marker, *reversed(tail)])


@lru_cache(maxsize=8)
def _shape(name: str) -> str:
    """The answer's shape for schema ``name``, as a compact JSON example."""
    return _sample_json(_SCHEMAS[name])


def _sample_json(schema: dict[str, Any]) -> str:
    """A compact JSON example of the answer's shape, for endpoints without response_format."""

    def sample(s: dict[str, Any]) -> Any:
        if "anyOf" in s:
            return sample(s["anyOf"][0])
        kind = s.get("type")
        if kind == "object":
            return {k: sample(v) for k, v in s["properties"].items()}
        if kind == "array":
            return [sample(s["items"])]
        if kind == "null":
            return None
        return "..."

    return json.dumps(sample(schema), ensure_ascii=False)


def _outline(module: ModuleInfo) -> list[str]:
    out = [f"class {c.qualname}" for c in module.all_classes()]
    out += [signature(f, qualified=True) for f in module.functions]
    return out


def _fit_list(items: Sequence[str], max_chars: int) -> list[str]:
    out: list[str] = []
    size = 0
    for item in items:
        if size + len(item) > max_chars:
            break
        out.append(item)
        size += len(item) + 1
    return out


class PromptBuilder:
    """Builds the chat messages for units in one language. ``templates`` is the user's
    ``--templates`` folder: a ``prompts/<lang>/<name>.j2`` there replaces the bundled prompt of
    that name (and may extend it as ``default/<name>.j2``)."""

    def __init__(self, *, lang: str, templates: str | None = None) -> None:
        folder = prompts_dir() / lang
        if not folder.is_dir():
            raise ValueError(f"no prompt templates for language {lang!r}")
        user = Path(templates) / "prompts" / lang if templates else None
        self.lang = lang
        self.env = environment(folder, user, keep_trailing_newline=False)

    def messages(
        self,
        unit: Unit,
        context: UnitContext,
        *,
        previous: str | None = None,
        problems: Sequence[Mapping[str, str]] = (),
        budget: int = DEFAULT_BUDGET,
    ) -> list[dict[str, str]]:
        """The messages asking for ``unit``'s doc. With ``problems`` (each a ``code``, an
        English ``text`` and the values the wording needs), a repair turn follows: the model's
        ``previous`` answer as the assistant's message, then what is wrong with it and how to fix
        it, in the page's language, with the answer's shape again."""
        return _messages(
            self.env, unit, context, previous=previous, problems=problems, budget=budget
        )


_MAX_PREVIOUS = 12000  # characters of the earlier answer shown back in a repair turn


def _messages(
    env: Any,
    unit: Unit,
    context: UnitContext,
    *,
    previous: str | None,
    problems: Sequence[Mapping[str, str]],
    budget: int,
) -> list[dict[str, str]]:
    name, _ = schema_for(unit)
    shape = _shape(name)
    system = render(env, "system.j2", {"shape": shape, "kind": name})
    max_chars = budget * CHARS_PER_TOKEN - len(system)
    overview = truncate_middle(context.module_overview.strip(), min(1500, max_chars // 8))
    callees = _fit_list(context.callees, max_chars // 8)
    graph = {  # the project graph's parts, each within its share of the budget
        "imports": _fit_list(context.imports, max_chars // 16),
        "owner": context.owner[: max_chars // 16],
        "callers": _fit_list(context.callers, max_chars // 12),
        "related": _fit_list(context.related, max_chars // 16),
        "written_callees": _fit_list(context.written_callees, max_chars // 12),
    }
    extra = sum(len(v) if isinstance(v, str) else sum(map(len, v)) for v in graph.values())
    common: dict[str, Any] = {
        "module": context.module.name,
        "path": context.module.path,
        "overview": overview,
        "callees": callees,
        "shape": shape,
        "kind": name,
        **graph,
    }
    max_chars -= extra
    if isinstance(unit, ModuleInfo):
        outline = _fit_list(_outline(unit), max_chars // 6)
        room = max_chars - len(overview) - sum(map(len, callees)) - sum(map(len, outline)) - 1500
        template = "module.j2"
        values = {
            "outline": outline,
            "source": truncate_middle(outline_source(unit), max(room, 2000)),
            "has_main": unit.main_block is not None,
            "is_script": unit.is_script,
        }
    elif isinstance(unit, ClassInfo):
        room = max_chars - len(overview) - sum(map(len, callees)) - 1500
        template = "class.j2"
        values = {
            "qualname": unit.qualname,
            "bases": list(unit.bases),
            "attributes": [a.name for a in unit.attributes],
            "source": truncate_middle(outline_source(unit), max(room, 2000)),
        }
    else:
        room = max_chars - len(overview) - sum(map(len, callees)) - 1500
        template = "function.j2"
        values = {
            "qualname": unit.qualname,
            "is_method": unit.kind == "method",
            "signature": signature(unit, qualified=True),
            "params": list(code_params(unit)),
            "raises": list(code_raises(unit)),
            "returns": unit.returns_value,
            "source": truncate_middle(unit.source, max(room, 2000)),
        }
    text = render(env, template, {**common, **values})
    messages = [{"role": "system", "content": system}, {"role": "user", "content": text}]
    if problems:
        values = {"problems": [dict(p) for p in problems], "shape": shape, "kind": name}
        repair = render(env, "repair.j2", values)
        if previous is not None:
            messages.append({"role": "assistant", "content": previous[:_MAX_PREVIOUS]})
        messages.append({"role": "user", "content": repair})
    return messages
