"""The chat-model writer: ask a model for each unit's prose, check it, merge it with code facts.

For one unit :class:`ChatWriter` builds the prompt (:mod:`~docgen.write.chat.prompts`), gets an
answer (:mod:`~docgen.write.chat.client`), normalises and judges it
(:mod:`~docgen.write.chat.normalize`, :mod:`~docgen.write.chat.validate`) and, when the verdict
holds findings, asks once more in a repair turn (the model sees its own answer and what to fix).
The result is always a value:

- ``Documented(source=MODEL)``: the better of the two answers, merged with the facts from the
  code; sentences that named what the code does not have are gone (``removed`` counts them) and a
  gap the model left is filled from the offline writer;
- ``Documented(source=FALLBACK, reason=...)``: both answers had a hard finding, so the offline
  writer's content is used and the report says why;
- ``Failed(reason=..., doc=<offline content>)``: the transport failed for good.

Only ``asyncio.CancelledError`` escapes, so Ctrl-C still stops a run.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any

from docgen.config import Endpoint
from docgen.errors import AnswerError, BudgetError, TransportError
from docgen.model import Doc, DocSource, Documented, Failed, Unit, UnitContext, UnitResult
from docgen.ui.progress import NullProgress, Progress
from docgen.write.chat.answer import merge, schema_for
from docgen.write.chat.client import ChatClient, Completion
from docgen.write.chat.normalize import candidates, normalize, strip_reasoning
from docgen.write.chat.prompts import PromptBuilder
from docgen.write.chat.validate import Finding, Verdict, judge, summary_of

__all__ = ["ChatWriter", "judge_answer"]

log = logging.getLogger(__name__)


class ChatWriter:
    """Documents one unit at a time with OpenAI-compatible chat endpoints (many concurrently:
    :class:`~docgen.write.chat.run.ModelWriter` drives it)."""

    name = "chat"

    def __init__(
        self,
        *,
        endpoints: Sequence[Endpoint],
        lang: str,
        concurrency: int,
        timeout: float,
        max_attempts: int,
        fallback: Callable[[Unit, UnitContext], Doc],
        progress: Progress | None = None,
        environ: Mapping[str, str] | None = None,
        templates: str | None = None,
        **client_options: Any,
    ) -> None:
        """``templates`` is the user's template folder (its ``prompts/<lang>/`` files replace
        the bundled prompts); ``client_options`` go to :class:`~docgen.write.client.ChatClient`
        (``stream``, ``backoff_base``, ``breaker_threshold``, ``max_tokens``, ...)."""
        self.lang = lang
        self._prompts = PromptBuilder(lang=lang, templates=templates)
        self._fallback = fallback
        self._progress = progress or NullProgress()
        self._client = ChatClient(
            endpoints,
            concurrency=concurrency,
            timeout=timeout,
            max_attempts=max_attempts,
            progress=self._progress,
            environ=environ,
            **client_options,
        )

    async def __aenter__(self) -> ChatWriter:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    def _offline(self, unit: Unit, context: UnitContext) -> Doc | None:
        try:
            return self._fallback(unit, context)
        except Exception:  # the offline writer never raises; be sure anyway
            log.exception("offline writer failed for %s", unit.uid)
            return None

    def _judge(self, unit: Unit, context: UnitContext, completion: Completion) -> Verdict:
        return judge_answer(unit, context, completion.text, completion.finish_reason, self.lang)

    async def write(self, unit: Unit, context: UnitContext) -> UnitResult:
        """Document one unit; never raises for a unit-level problem."""
        uid = unit.uid
        result: UnitResult
        try:
            result = await self._write(unit, context)
        except BudgetError as exc:
            doc = self._offline(unit, context)
            result = Failed(uid, exc.reason, doc=doc, usage=exc.usage, status="budget")
        except TransportError as exc:
            result = Failed(uid, exc.reason, doc=self._offline(unit, context), usage=exc.usage)
        except Exception as exc:  # a bug must not take the run down; report it on the unit
            reason = self._client.scrub(f"internal error: {type(exc).__name__}: {exc}")
            log.error("%s: %s", uid, reason)
            trace = "".join(traceback.format_exception(exc))
            log.debug("%s", self._client.scrub(trace, limit=None))
            result = Failed(uid, reason, doc=self._offline(unit, context))
        self._progress.unit_finished(result, result.usage)
        return result

    async def _write(self, unit: Unit, context: UnitContext) -> UnitResult:
        uid = unit.uid
        schema = schema_for(unit)
        messages = self._prompts.messages(unit, context)
        completion = await self._client.complete(uid, messages, schema=schema)
        usage = completion.usage
        verdict = self._judge(unit, context, completion)
        if verdict.findings:
            log.info(
                "%s: re-asking after %d finding(s): %s",
                uid,
                len(verdict.findings),
                verdict.findings[0],
            )
            problems = [{"code": f.code, "text": f.text, **f.values} for f in verdict.findings]
            previous = strip_reasoning(completion.text).strip() or completion.text
            retry = self._prompts.messages(unit, context, previous=previous, problems=problems)
            try:
                again = await self._client.complete(uid, retry, schema=schema, announce=False)
            except TransportError as exc:
                if verdict.hard:
                    raise type(exc)(exc.reason, usage + exc.usage) from None
                usage = usage + exc.usage  # the first answer only had gaps: keep it
            else:
                usage = usage + again.usage
                second = self._judge(unit, context, again)
                if second.rank <= verdict.rank:
                    verdict = second
        if verdict.hard:
            doc = self._offline(unit, context)
            reason = self._client.scrub("invalid answer: " + summary_of(verdict.hard))
            if doc is None:
                return Failed(uid, reason, usage=usage)
            return Documented(uid, doc, DocSource.FALLBACK, usage, reason=reason)
        doc = merge(unit, verdict.answer, lambda: self._offline(unit, context))
        note = ""
        if verdict.removed:
            names = ", ".join(f"`{n}`" for n in verdict.unknown[:3])
            note = f"{verdict.removed} sentence(s) removed"
            note += f" (naming {names})" if names else ""
        return Documented(
            uid,
            doc,
            DocSource.MODEL,
            usage,
            reason=self._client.scrub(note),
            removed=verdict.removed,
        )


def judge_answer(
    unit: Unit, context: UnitContext, text: str, finish_reason: str | None, lang: str
) -> Verdict:
    """The best verdict among the objects an answer's ``text`` holds (ties: the later one, since a
    model that shows the shape first writes the real answer after it). The live path and
    ``docgen batch import`` judge answers with this one function."""
    _, schema = schema_for(unit)
    try:
        found = candidates(text)
    except AnswerError as exc:
        return Verdict({}, (Finding("no_json", str(exc)),))
    best: Verdict | None = None
    for raw in found:
        verdict = judge(unit, normalize(raw, schema), module=context.module, lang=lang)
        if best is None or verdict.rank <= best.rank:
            best = verdict
    assert best is not None
    if finish_reason == "length":
        cut = Finding("cut_off", "the answer was cut off at the length limit")
        best = Verdict(best.answer, (cut, *best.findings), best.removed, best.unknown)
    return best
