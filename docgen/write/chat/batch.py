"""Batch runs: the requests a live run would send, written as JSONL, and their answers read back.

The format is OpenAI's Batch API (also read by ``vllm run-batch`` and easy to feed to Ray Data):
one request a line, ``{"custom_id", "method": "POST", "url": "/v1/chat/completions", "body"}``,
where ``body`` is exactly what a live run sends for the unit, without streaming. The
``custom_id`` is the unit's cache key, so an answer finds its unit again by re-extracting the same
code; an answer for code that changed since the export no longer matches any key and is reported
as stale, never stored under the new code.

:func:`read_results` takes the Batch output format (``response.body`` or ``error`` per line, in
any order, some missing); each answer is judged exactly like a live one
(:func:`~docgen.write.chat.writer.judge_answer`: normalised, checked against the code,
salvaged), and the good ones are stored in the cache, each in its own transaction, so an import
can be interrupted and run again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from docgen.config import Endpoint
from docgen.model import Doc, Unit, UnitContext, Usage
from docgen.ui.progress import NullProgress
from docgen.write.chat.answer import merge, schema_for
from docgen.write.chat.prompts import PromptBuilder
from docgen.write.chat.validate import summary_of
from docgen.write.chat.wire import DEFAULT_MAX_TOKENS, DEFAULT_TEMPERATURE, EndpointState, Wire
from docgen.write.chat.writer import judge_answer

__all__ = ["ImportReport", "read_results", "request_lines"]

URL = "/v1/chat/completions"


def request_body(endpoint: Endpoint, messages: list[dict[str, str]], unit: Unit) -> dict[str, Any]:
    """The body a live run sends for ``unit`` to ``endpoint``, without streaming."""
    wire = Wire(
        timeout=120.0,
        stream=False,
        max_tokens=DEFAULT_MAX_TOKENS,
        temperature=DEFAULT_TEMPERATURE,
        progress=NullProgress(),
    )
    return wire.body(EndpointState(endpoint, None), messages, schema_for(unit))


def request_lines(
    pending: Iterable[tuple[Unit, UnitContext, str]],
    *,
    endpoint: Endpoint,
    prompts: PromptBuilder,
) -> Iterator[str]:
    """One JSONL line per ``(unit, context, cache key)`` still to be asked."""
    for unit, context, key in pending:
        body = request_body(endpoint, prompts.messages(unit, context), unit)
        line = {"custom_id": key, "method": "POST", "url": URL, "body": body}
        yield json.dumps(line, ensure_ascii=False, separators=(",", ":"))


@dataclass
class ImportReport:
    """What an import did, line by line."""

    stored: list[str] = field(default_factory=list)  # uids
    rejected: list[tuple[str, str]] = field(default_factory=list)  # uid, reason
    failed: list[tuple[str, str]] = field(default_factory=list)  # uid or custom_id, reason
    stale: list[str] = field(default_factory=list)  # custom_ids no unit has any more
    bad_lines: list[tuple[int, str]] = field(default_factory=list)  # line number, reason
    usage: Usage = field(default_factory=Usage)
    removed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "stored": len(self.stored),
            "rejected": [{"uid": u, "reason": r} for u, r in self.rejected],
            "failed": [{"id": u, "reason": r} for u, r in self.failed],
            "stale": self.stale,
            "bad_lines": [{"line": n, "reason": r} for n, r in self.bad_lines],
            "prompt_tokens": self.usage.prompt_tokens,
            "completion_tokens": self.usage.completion_tokens,
            "sentences_removed": self.removed,
        }


def _answer(line: Mapping[str, Any]) -> tuple[str | None, str | None, tuple[int, int], str]:
    """``(text, finish_reason, usage, error)`` of one Batch output line."""
    error = line.get("error")
    response = line.get("response") or {}
    if error:
        message = error.get("message") if isinstance(error, Mapping) else str(error)
        return None, None, (0, 0), f"error: {message or error}"
    status = response.get("status_code", 200) if isinstance(response, Mapping) else 0
    body = response.get("body") if isinstance(response, Mapping) else None
    if not isinstance(body, Mapping):
        return None, None, (0, 0), "no response body"
    got = body.get("usage") or {}
    usage = (int(got.get("prompt_tokens") or 0), int(got.get("completion_tokens") or 0))
    if status != 200:
        detail = body.get("error", {})
        message = detail.get("message") if isinstance(detail, Mapping) else detail
        return None, None, usage, f"HTTP {status}: {message or 'error'}"
    choices = body.get("choices") or []
    if not choices or not isinstance(choices[0], Mapping):
        return None, None, usage, "no choices in the response"
    message = choices[0].get("message") or {}
    text = message.get("content") if isinstance(message, Mapping) else None
    if not isinstance(text, str) or not text.strip():
        return None, None, usage, "empty answer"
    return text, choices[0].get("finish_reason"), usage, ""


def read_results(
    lines: Iterable[str],
    *,
    units: Mapping[str, tuple[Unit, UnitContext]],
    lang: str,
    store: Callable[[str, str, Doc, Usage], None],
    offline: Callable[[Unit, UnitContext], Doc],
) -> ImportReport:
    """Judge every answer in a Batch output file and ``store`` the good ones (see the module
    docstring). ``units`` maps cache keys to the units they were exported for."""
    report = ImportReport()
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except ValueError:
            report.bad_lines.append((number, "not JSON"))
            continue
        if not isinstance(line, Mapping) or not isinstance(line.get("custom_id"), str):
            report.bad_lines.append((number, "no custom_id"))
            continue
        key = line["custom_id"]
        found = units.get(key)
        if found is None:
            report.stale.append(key)
            continue
        unit, context = found
        text, finish, tokens, error = _answer(line)
        usage = Usage(tokens[0], tokens[1], 1, 0)
        report.usage = report.usage + usage
        if error or text is None:
            report.failed.append((unit.uid, error))
            continue
        verdict = judge_answer(unit, context, text, finish, lang)
        if verdict.hard:
            report.rejected.append((unit.uid, "invalid answer: " + summary_of(verdict.hard)))
            continue
        doc = merge(unit, verdict.answer, lambda u=unit, c=context: offline(u, c))
        store(key, unit.uid, doc, usage)
        report.stored.append(unit.uid)
        report.removed += verdict.removed
    return report


def pending_units(
    units: Sequence[tuple[Unit, UnitContext]],
    keys: Sequence[str],
    done: Callable[[str], bool],
) -> list[tuple[Unit, UnitContext, str]]:
    """The units whose keys are not ``done`` (cached, or a recorded fallback)."""
    return [(u, c, k) for (u, c), k in zip(units, keys, strict=True) if not done(k)]
