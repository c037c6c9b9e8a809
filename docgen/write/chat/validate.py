"""Judge a model's answer against its schema and against the code it describes.

:func:`judge` takes one normalised answer (:mod:`~docgen.write.chat.normalize`) and returns a
:class:`Verdict`: the answer with what could not stand *removed*, how much was removed, and the
findings that need the model to answer again. The rule is to keep every good sentence:

- a sentence or step that names something the code does not have (a backticked name that is not
  in the module's words, its imports, the unit's parameters or Python's builtins; every part of an
  attribute chain, subscripts included, is checked) is removed and counted, as are example blocks
  that do not parse and descriptions of parameters the code does not have;
- the answer must be asked again (a *hard* finding) when the purpose, the title or a parameter
  description is hit, when more than half of the sentences had to go, when a field is not in
  the page's language (judged per field, identifiers and code spans left out), when the text loops
  or runs far too long;
- a *gap* (a parameter or the return value not described) is asked again once; on the last
  answer the offline writer's text fills it. A missing purpose is not a gap: without it the answer
  says nothing.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from docgen.model import FunctionInfo, ModuleInfo, Unit
from docgen.write.chat.answer import code_params, schema_for
from docgen.write.chat.names import SPAN, Names, language_ok

__all__ = ["Finding", "Verdict", "find_repetition", "judge", "schema_errors", "validate"]

_MAX_FIELD = 6000
_MAX_TOTAL = 24000
_MAX_REMOVED_SHARE = 0.5
_WORD = re.compile(r"\w+", re.U)
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[^\s])")


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing wrong with an answer. ``code`` names the kind (the repair prompt words it in the
    page's language from ``args``); ``text`` is the English line for logs and the report."""

    code: str
    text: str
    args: tuple[tuple[str, str], ...] = ()
    gap: bool = False  # a missing description: filled from the offline writer on the last try

    def __str__(self) -> str:
        return self.text

    @property
    def values(self) -> dict[str, str]:
        return dict(self.args)


def _finding(code: str, text: str, *, gap: bool = False, **args: str) -> Finding:
    return Finding(code, text, tuple(args.items()), gap)


@dataclass(frozen=True, slots=True)
class Verdict:
    """What :func:`judge` decided about one answer."""

    answer: dict[str, Any]  # with the removed sentences, steps and examples gone
    findings: tuple[Finding, ...] = ()
    removed: int = 0  # sentences, steps and examples removed
    unknown: tuple[str, ...] = ()  # the names that caused removals, for the report

    @property
    def hard(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.gap)

    @property
    def rank(self) -> tuple[int, int, int]:
        """Lower is better: hard findings, then gaps, then removals."""
        return (len(self.hard), len(self.findings), self.removed)


# --------------------------------------------------------------------------------------------
# shape


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


# --------------------------------------------------------------------------------------------
# the judge


def _sentences(text: str) -> list[str]:
    """``text`` split into sentences (code spans never split)."""
    masked = SPAN.sub(lambda m: "\0" * len(m.group(0)), text)
    out: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(masked):
        out.append(text[start : match.start()])
        start = match.end()
    out.append(text[start:])
    return [s for s in out if s.strip()]


@dataclass(slots=True)
class _Pass:
    names: Names
    lang: str
    findings: list[Finding] = field(default_factory=list)
    removed: int = 0
    kept: int = 0
    unknown: list[str] = field(default_factory=list)

    def note(self, names: Iterable[str]) -> None:
        for name in names:
            if name not in self.unknown:
                self.unknown.append(name)

    def prose(self, text: str, where: str) -> str:
        """``text`` without the sentences naming what the code does not have."""
        if not text.strip():
            return text
        paragraphs = []
        for paragraph in text.split("\n\n"):
            keep = []
            for sentence in _sentences(paragraph):
                bad = self.names.in_text(sentence)
                if bad:
                    self.note(bad)
                    self.removed += 1
                else:
                    keep.append(sentence)
                    self.kept += 1
            if keep:
                paragraphs.append(" ".join(s.strip() for s in keep))
        self.language(" ".join(paragraphs), where)
        return "\n\n".join(paragraphs)

    def strict(self, text: str, where: str) -> None:
        """A field that must stand whole: a name the code does not have asks the model again."""
        bad = self.names.in_text(text)
        if bad:
            self.note(bad)
            names = ", ".join(f"`{n}`" for n in bad)
            self.findings.append(
                _finding(
                    "unknown_name",
                    f"{_field(where)} names {names}: not in the module, its imports or builtins",
                    field=where,
                    names=names,
                )
            )
        self.language(text, where)
        self.kept += len(_sentences(text))

    def language(self, text: str, where: str) -> None:
        if text.strip() and not language_ok(text, self.lang):
            self.findings.append(
                _finding(
                    "language",
                    f"{_field(where)} is not written in the page's language",
                    field=where,
                )
            )


def _field(where: str) -> str:
    """English words for a field key (``params:path`` is one parameter's description)."""
    if where.startswith("params:"):
        return f"the description of parameter `{where[7:]}`"
    return f'"{where}"'


def _examples(items: list[dict[str, str]], check: _Pass) -> list[dict[str, str]]:
    out = []
    for item in items:
        try:
            ast.parse(item["code"])
        except (SyntaxError, ValueError):
            check.removed += 1
            continue
        desc = check.prose(item.get("description", ""), "examples")
        out.append({"code": item["code"], "description": desc})
    return out


def _coverage(unit: Unit, answer: dict[str, Any], check: _Pass) -> None:
    if isinstance(unit, FunctionInfo):
        expected = code_params(unit)
        said = {p["name"]: p["description"] for p in answer.get("params", ())}
        extra = [n for n in said if n not in expected]
        check.removed += len(extra)
        answer["params"] = [p for p in answer.get("params", ()) if p["name"] in expected]
        for item in answer["params"]:
            check.strict(item["description"], f"params:{item['name']}")
        for name in expected:
            if not said.get(name, "").strip():
                check.findings.append(
                    _finding(
                        "param_missing", f"parameter `{name}` is not described", gap=True, name=name
                    )
                )
        if unit.returns_value and not answer.get("returns", "").strip():
            check.findings.append(
                _finding("returns_missing", "the return value is not described", gap=True)
            )
    key = "overview" if isinstance(unit, ModuleInfo) else "purpose"
    if len(answer.get(key, "").strip()) < 10:
        check.findings.append(_finding("too_short", f'"{key}" is missing or too short', field=key))


def _length(answer: Mapping[str, Any], check: _Pass) -> None:
    total = 0
    for key, text in _strings(answer):
        total += len(text)
        if len(text) > _MAX_FIELD:
            check.findings.append(
                _finding("too_long", f'"{key}" is too long ({len(text)} characters)', field=key)
            )
            return
    if total > _MAX_TOTAL:
        check.findings.append(
            _finding("too_long", f"the answer is too long ({total} characters)", field="answer")
        )
    if len(answer.get("steps") or ()) > 30:
        check.findings.append(_finding("too_many_steps", "too many steps; keep to the main ones"))


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


def judge(unit: Unit, answer: Mapping[str, Any], *, module: ModuleInfo, lang: str) -> Verdict:
    """The verdict on one normalised ``answer`` for ``unit`` (see the module docstring)."""
    _, schema = schema_for(unit)
    shape = schema_errors(answer, schema)
    if shape:
        text = "; ".join(shape[:4])
        return Verdict(dict(answer), (_finding("shape", text, detail=text),))
    out: dict[str, Any] = {k: (list(v) if isinstance(v, list) else v) for k, v in answer.items()}
    check = _Pass(Names(unit, module), lang)
    _length(out, check)
    repeated = find_repetition(" ".join(s for k, s in _strings(out) if k != "code"))
    if repeated:
        check.findings.append(
            _finding("repetition", f"the text repeats itself ({repeated!r})", phrase=repeated)
        )
    if check.findings:
        return Verdict(out, tuple(check.findings))
    for key in ("purpose", "title"):
        if key in out and out[key].strip():
            check.strict(out[key], key)
    _coverage(unit, out, check)
    for key in ("details", "overview", "returns", "entry_point"):
        if key in out:
            out[key] = check.prose(out[key], key)
    if "steps" in out:
        steps = []
        for step in out["steps"]:
            bad = check.names.in_text(step)
            if bad:
                check.note(bad)
                check.removed += 1
            else:
                check.language(step, "steps")
                check.kept += 1
                steps.append(step)
        out["steps"] = steps
    for key in ("raises", "attributes"):
        for item in out.get(key, ()):
            item["description"] = check.prose(item["description"], key)
    if "examples" in out:
        out["examples"] = _examples(out["examples"], check)
    if out.get("usage_example"):
        kept = _examples([out["usage_example"]], check)
        out["usage_example"] = kept[0] if kept else None
    total = check.kept + check.removed
    if check.removed and check.removed > _MAX_REMOVED_SHARE * total:
        check.findings.append(
            _finding(
                "too_much_removed",
                f"{check.removed} of {total} sentences name what the code does not have",
                removed=str(check.removed),
                total=str(total),
            )
        )
    _dedupe(check.findings)
    return Verdict(out, tuple(check.findings), check.removed, tuple(check.unknown))


def _dedupe(findings: list[Finding]) -> None:
    seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    keep = []
    for f in findings:
        if (f.code, f.args) not in seen:
            seen.add((f.code, f.args))
            keep.append(f)
    findings[:] = keep


def validate(unit: Unit, answer: Any, *, module: ModuleInfo, lang: str) -> list[str]:
    """The findings on ``answer`` as English lines (empty when it can be used as it is)."""
    if not isinstance(answer, Mapping):
        return ["the answer must be a JSON object"]
    return [f.text for f in judge(unit, answer, module=module, lang=lang).findings]


def summary_of(findings: Sequence[Finding]) -> str:
    return "; ".join(f.text for f in findings[:3])
