"""The chat-model writer: ask a model for each unit's prose, check it, merge it with code facts.

For one unit :class:`ChatWriter` builds the prompt (:mod:`~docgen.write.chat.prompts`), gets an
answer (:mod:`~docgen.write.chat.client`), parses and validates it
(:mod:`~docgen.write.chat.answer`, :mod:`~docgen.write.chat.validate`) and, when it holds
problems, asks once more with the problems listed. The result is always a value:

- ``Documented(source=MODEL)``: a valid answer, merged with the facts from the code;
- ``Documented(source=FALLBACK, reason=...)``: the answer stayed invalid, so the offline writer's
  content is used and the report says why;
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
from docgen.errors import AnswerError, TransportError
from docgen.model import Doc, DocSource, Documented, Failed, Unit, UnitContext, UnitResult
from docgen.ui.progress import NullProgress, Progress
from docgen.write.chat.answer import merge, parse_answer, schema_for
from docgen.write.chat.client import ChatClient, Completion
from docgen.write.chat.prompts import PromptBuilder
from docgen.write.chat.validate import validate

__all__ = ["ChatWriter"]

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

    def _check(
        self, unit: Unit, context: UnitContext, completion: Completion
    ) -> tuple[Any, list[str]]:
        """The parsed answer and its problems."""
        problems: list[str] = []
        if completion.finish_reason == "length":
            problems.append("the answer was cut off at the length limit; answer much shorter")
        try:
            answer = parse_answer(completion.text)
        except AnswerError as exc:
            return None, [*problems, f"{exc}; answer with one JSON object only"]
        problems += validate(unit, answer, module=context.module, lang=self.lang)
        return answer, problems

    async def write(self, unit: Unit, context: UnitContext) -> UnitResult:
        """Document one unit; never raises for a unit-level problem."""
        uid = unit.uid
        result: UnitResult
        try:
            result = await self._write(unit, context)
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
        answer, problems = self._check(unit, context, completion)
        if problems:
            log.info("%s: re-asking after %d problem(s): %s", uid, len(problems), problems[0])
            retry = self._prompts.messages(unit, context, errors=problems)
            try:
                completion = await self._client.complete(uid, retry, schema=schema, announce=False)
            except TransportError as exc:
                raise TransportError(exc.reason, usage + exc.usage) from None
            usage = usage + completion.usage
            answer, problems = self._check(unit, context, completion)
        if problems:
            doc = self._offline(unit, context)
            reason = self._client.scrub("invalid answer: " + "; ".join(problems[:3]))
            if doc is None:
                return Failed(uid, reason, usage=usage)
            return Documented(uid, doc, DocSource.FALLBACK, usage, reason=reason)
        doc = merge(unit, answer, lambda: self._offline(unit, context))
        return Documented(uid, doc, DocSource.MODEL, usage)
