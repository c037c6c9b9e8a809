"""Build the chat messages for one unit from the prompt templates.

The words of every prompt live in ``templates/prompts/<lang>/`` (``system.j2``, ``function.j2``,
``class.j2``, ``module.j2``, ``repair.j2``); this module only chooses the template and fills it:
the unit's exact source, its module's overview, the signatures of what it calls and the JSON shape
the answer must take, all kept within a token budget. Sources that do not fit lose their middle,
replaced by a marker line, so the signature and the end of the body are always seen.

:data:`PROMPT_VERSION` hashes the templates' text, so the cache can tell when prompts changed.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from docgen.context import signature
from docgen.model import ClassInfo, ModuleInfo, Unit
from docgen.outline import outline as outline_source
from docgen.resources import templates_dir
from docgen.write.answer import (
    CLASS_SCHEMA,
    FUNCTION_SCHEMA,
    MODULE_SCHEMA,
    code_params,
    code_raises,
    returns_something,
    schema_for,
)
from docgen.write.base import UnitContext

__all__ = [
    "DEFAULT_BUDGET",
    "PROMPT_VERSION",
    "build_messages",
    "estimate_tokens",
    "prompt_version",
    "prompts_dir",
]

DEFAULT_BUDGET = 6000  # tokens for one request's prompt
_CHARS_PER_TOKEN = 3  # code and Russian text both average close to three characters a token
_SCHEMAS = {"function_doc": FUNCTION_SCHEMA, "class_doc": CLASS_SCHEMA, "module_doc": MODULE_SCHEMA}


def estimate_tokens(text: str) -> int:
    """A rough token count: one token per three characters, rounded up.

    Tokenizers differ by model; for Python source and Russian prose three characters a token is
    close for the common BPE vocabularies and errs on the high side for English. Used for the
    prompt budget and the ``estimate`` command, never for billing.
    """
    return math.ceil(len(text) / _CHARS_PER_TOKEN)


def prompts_dir() -> Path:
    """The folder holding ``<lang>/*.j2`` prompt templates."""
    try:
        return templates_dir() / "prompts"
    except FileNotFoundError:
        here = Path(__file__).resolve().parents[1]
        for candidate in (here / "templates", here.parent / "templates"):
            if (candidate / "prompts").is_dir():
                return candidate / "prompts"
        raise


def prompt_version(templates: str | None = None) -> str:
    """A hash of the prompt templates' text: the bundled ones, and ``templates/prompts`` of the
    user's ``--templates`` folder when it has one."""
    digest = hashlib.sha256()
    roots = [prompts_dir()]
    if templates:
        roots.append(Path(templates) / "prompts")
    for root in roots:
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*.j2")):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


PROMPT_VERSION: str = prompt_version()


@lru_cache(maxsize=8)
def _environment(lang: str, templates: str | None = None) -> jinja2.Environment:
    folder = prompts_dir() / lang
    if not folder.is_dir():
        raise ValueError(f"no prompt templates for language {lang!r}")
    loaders: list[jinja2.BaseLoader] = []
    if templates and (Path(templates) / "prompts" / lang).is_dir():
        loaders.append(jinja2.FileSystemLoader(str(Path(templates) / "prompts" / lang)))
    loaders.append(jinja2.FileSystemLoader(str(folder)))
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


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
    out += [signature(f) for f in module.functions]
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


def build_messages(
    unit: Unit,
    context: UnitContext,
    *,
    lang: str,
    errors: Sequence[str] = (),
    budget: int = DEFAULT_BUDGET,
    templates: str | None = None,
) -> list[dict[str, str]]:
    """The chat messages asking for ``unit``'s doc; with ``errors``, a repair request follows.

    ``templates`` is the user's ``--templates`` folder: a ``prompts/<lang>/<name>.j2`` there
    replaces the bundled prompt of that name."""
    env = _environment(lang, templates)
    name, _ = schema_for(unit)
    shape = _shape(name)
    system = env.get_template("system.j2").render(shape=shape)
    max_chars = budget * _CHARS_PER_TOKEN - len(system)
    overview = truncate_middle(context.module_overview.strip(), min(1500, max_chars // 8))
    callees = _fit_list(context.callees, max_chars // 6)
    common: dict[str, Any] = {
        "module": context.module.name,
        "path": context.module.path,
        "overview": overview,
        "callees": callees,
        "shape": shape,
    }
    if isinstance(unit, ModuleInfo):
        outline = _fit_list(_outline(unit), max_chars // 6)
        room = max_chars - len(overview) - sum(map(len, callees)) - sum(map(len, outline)) - 1500
        text = env.get_template("module.j2").render(
            **common,
            outline=outline,
            source=truncate_middle(outline_source(unit), max(room, 2000)),
            has_main=unit.main_block is not None,
            is_script=unit.is_script,
        )
    elif isinstance(unit, ClassInfo):
        room = max_chars - len(overview) - sum(map(len, callees)) - 1500
        text = env.get_template("class.j2").render(
            **common,
            qualname=unit.qualname,
            bases=list(unit.bases),
            attributes=[a.name for a in unit.attributes],
            source=truncate_middle(outline_source(unit), max(room, 2000)),
        )
    else:
        room = max_chars - len(overview) - sum(map(len, callees)) - 1500
        text = env.get_template("function.j2").render(
            **common,
            qualname=unit.qualname,
            is_method=unit.kind == "method",
            signature=signature(unit),
            params=list(code_params(unit)),
            raises=list(code_raises(unit)),
            returns=returns_something(unit),
            source=truncate_middle(unit.source, max(room, 2000)),
        )
    messages = [{"role": "system", "content": system}, {"role": "user", "content": text}]
    if errors:
        repair = env.get_template("repair.j2").render(errors=list(errors), shape=shape)
        messages.append({"role": "user", "content": repair})
    return messages
