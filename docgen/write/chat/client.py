"""Talk to OpenAI-compatible chat endpoints: streaming, retries, failover.

:class:`ChatClient` turns a list of messages into one :class:`Completion`. It owns everything about
the transport so the writer above it only sees text or a :class:`TransportError`:

- one ``openai.AsyncOpenAI`` per endpoint on the package's aiohttp transport, with the package's
  own retries off (``max_retries=0``);
- ``stream=True`` with ``stream_options.include_usage``; servers that ignore the option, send SSE
  comments, put an ``{"error": ...}`` event inside an HTTP 200 stream or close without ``[DONE]``
  are all handled (the text received is kept when the stream ends cleanly);
- at most ``concurrency`` requests in flight (one shared semaphore, held only while a request is
  on the wire, never during a backoff sleep), and a whole-request timeout;
- retries of 408/409/429/5xx, connection errors, timeouts, mid-stream disconnects, in-stream error
  events and empty answers, with exponential backoff and jitter, honouring ``Retry-After``, bounded
  by ``max_attempts``;
- an endpoint that refuses an optional field (found in the whole error body, see
  :mod:`~docgen.write.chat.wire`) is remembered and no longer sent it; one that fails
  ``breaker_threshold`` times in a row, or rejects the key, is left for the next endpoint;
- the last endpoint is given up after ``dead_after`` failures in a row across units lasting
  ``dead_window`` seconds at least: every request still waiting or in flight ends at once (the
  connections are closed) with one reason naming the endpoint, so a server with no working
  provider costs seconds, not minutes;
- a reasoning model that spends ``max_tokens`` before any answer text gets one more try with a
  larger limit (kept for that endpoint), then fails with that reason;
- every attempt's tokens, failed ones included, are counted in the usage reported;
- API keys are scrubbed from every reason this module reports.
"""

from __future__ import annotations

import asyncio
import random
import re
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import openai

from docgen.config import KEYLESS_PLACEHOLDER, Endpoint
from docgen.errors import BudgetError, TransportError
from docgen.model import Usage
from docgen.ui.progress import NullProgress, Progress
from docgen.write.chat.budget import Budget
from docgen.write.chat.estimate import estimate_tokens
from docgen.write.chat.wire import (
    DEFAULT_MAX_TOKENS,
    DEFAULT_TEMPERATURE,
    Downgrade,
    EndpointDown,
    EndpointState,
    Exhausted,
    Fatal,
    Retry,
    Wire,
    parse_retry_after,
    tls_context,
)

__all__ = ["ChatClient", "Completion", "TransportError", "parse_retry_after"]

_MAX_REASON = 300
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_MAX_TOKENS_CEILING = 32000  # the most a reasoning model's retry may ask for


def _verify(base_url: str) -> ssl.SSLContext | bool:
    """The TLS context for an endpoint: the checked default for HTTPS; none for plain HTTP, which
    negotiates no TLS (loading the CA bundle costs 70 ms of CPU before the first request). Were a
    plain endpoint to redirect to HTTPS, its key and prompts would already have crossed in clear."""
    return tls_context() if not base_url.lower().startswith("http://") else False


def _add(a: tuple[int, int], b: tuple[int, int] | None) -> tuple[int, int]:
    return a if b is None else (a[0] + b[0], a[1] + b[1])


@dataclass(frozen=True, slots=True)
class Completion:
    """One finished answer. ``finish_reason`` is None when the server never said."""

    text: str
    finish_reason: str | None
    usage: Usage
    endpoint: str


class ChatClient:
    """Send chat requests to the configured endpoints in order, with retries and failover."""

    def __init__(
        self,
        endpoints: Sequence[Endpoint],
        *,
        concurrency: int = 8,
        timeout: float = 120.0,
        max_attempts: int = 5,
        progress: Progress | None = None,
        environ: Mapping[str, str] | None = None,
        stream: bool = True,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        max_retry_after: float = 120.0,
        breaker_threshold: int = 3,
        dead_after: int = 6,
        dead_window: float = 2.0,
        max_tokens: int | None = DEFAULT_MAX_TOKENS,
        temperature: float | None = DEFAULT_TEMPERATURE,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        budget: Budget | None = None,
    ) -> None:
        if not endpoints:
            raise ValueError("ChatClient needs at least one endpoint")
        self._progress = progress or NullProgress()
        self._sem = asyncio.Semaphore(max(1, concurrency))
        self._timeout = timeout
        self._max_attempts = max(1, max_attempts)
        self._stream = stream
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max
        self._max_retry_after = max_retry_after
        self._breaker = max(1, breaker_threshold)
        self._dead_after = max(1, dead_after)
        self._dead_window = max(0.0, dead_window)
        self._dead = asyncio.Event()
        self._max_tokens = max_tokens
        self._temperature = temperature
        self._sleep = sleep
        self._budget = budget
        self._wire = Wire(
            timeout=timeout,
            stream=stream,
            max_tokens=max_tokens,
            temperature=temperature,
            progress=self._progress,
        )
        self._secrets: list[str] = []
        self._states: list[EndpointState] = []
        for ep in endpoints:
            key = ep.api_key(environ)
            if key != KEYLESS_PLACEHOLDER and len(key) >= 4:
                self._secrets.append(key)
            client = openai.AsyncOpenAI(
                api_key=key,
                base_url=ep.base_url,
                max_retries=0,
                timeout=openai.Timeout(timeout, connect=min(timeout, 10.0)),
                # the package's aiohttp transport: its C parser reads a long stream's HTTP chunks
                # for a fraction of what h11 costs (bench/bench_chat.py --process, 300 chunks an
                # answer: 28 -> 16 ms of CPU a request)
                http_client=openai.DefaultAioHttpClient(verify=_verify(ep.base_url)),
            )
            self._states.append(EndpointState(ep, client))

    async def aclose(self) -> None:
        for state in self._states:
            if state.client is not None:
                await state.client.close()

    def scrub(self, text: str, *, limit: int | None = _MAX_REASON) -> str:
        """``text`` with every configured key replaced by ``***`` and no control characters
        (terminal escapes from a server or a model); with a ``limit``, also on one line and
        shortened."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        if limit is None:
            return _CONTROL.sub("", text)
        text = " ".join(_CONTROL.sub("", text).split())
        return text if len(text) <= limit else text[: limit - 1] + "…"

    # ----------------------------------------------------------------------------------------

    def _pick(self) -> EndpointState | None:
        for state in self._states:
            if not state.down:
                return state
        return None

    def _backoff(self, retry: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self._max_retry_after) + random.random() * self._backoff_base
        ceiling = min(self._backoff_max, self._backoff_base * 2 ** (retry - 1))
        return ceiling / 2 + random.random() * ceiling / 2

    def _note_failure(self, state: EndpointState, *, alive: bool = False) -> bool:
        """Count a failure; True when the endpoint was just left (for the next one, or for good
        when it is the last and failed ``dead_after`` times in a row across units)."""
        if alive or state.down:
            return False
        now = time.monotonic()
        if not state.failures:
            state.streak_started = now
        state.failures += 1
        others = any(not s.down for s in self._states if s is not state)
        if state.failures >= self._breaker and others:
            state.down = True
            return True
        # The last endpoint is given up only after a streak that is long in count and in time:
        # a burst of concurrent failures during a short outage is not a dead server.
        lasted = now - state.streak_started
        if not others and state.failures >= self._dead_after and lasted >= self._dead_window:
            state.down = True
            state.down_reason = self.scrub(
                f"{state.endpoint.label} gave up after {state.failures} failures in a row"
                f" (last: {state.last_reason})"
            )
            for task in list(state.in_flight):  # abandon what is still on the wire
                task.cancel()
            self._dead.set()
            return True
        return False

    async def _wait(self, delay: float) -> None:
        """Sleep ``delay`` seconds, or less when the last endpoint is given up meanwhile."""
        if self._sleep is not asyncio.sleep:
            await self._sleep(delay)
            return
        try:
            async with asyncio.timeout(delay):
                await self._dead.wait()
        except TimeoutError:
            pass

    @property
    def dead_reason(self) -> str:
        """Why no endpoint is left, "" while one is."""
        if self._pick() is not None:
            return ""
        return "; ".join(s.down_reason for s in self._states if s.down_reason) or "no endpoint left"

    async def complete(
        self,
        uid: str,
        messages: Sequence[Mapping[str, str]],
        *,
        schema: tuple[str, Mapping[str, Any]] | None = None,
        announce: bool = True,
    ) -> Completion:
        """One answer for ``messages``; raises :class:`TransportError` when every attempt failed.
        The usage of failed attempts (tokens the server counted) is in the answer's usage, or in
        the error's."""
        requests = retries = 0
        spent = (0, 0)
        attempt = 0
        enlarged = False
        reason = self.dead_reason or "no endpoint available"
        while attempt < self._max_attempts:
            state = self._pick()
            if state is None:
                reason = self.dead_reason
                break
            attempt += 1
            requests += 1
            try:
                async with self._sem:
                    if self._budget is not None and self._budget.reached:
                        # checked with the slot held: what is in flight has counted by now
                        usage_so_far = Usage(*spent, requests - 1, retries)
                        raise BudgetError(self._budget.reason(), usage_so_far)
                    if announce:
                        announce = False
                        self._progress.unit_started(uid)
                    text, finish, usage = await self._attempt(state, uid, messages, schema)
            except Downgrade:
                attempt -= 1  # the endpoint told us what it does not take; not a failure
                continue
            except Exhausted as exc:
                spent = _add(spent, self._spent(exc.usage))
                reason = str(exc)
                if enlarged or not self._enlarge(state):
                    break
                enlarged = True
                attempt -= 1  # a bounded second try with a larger limit, not a failure
                retries += 1
                continue
            except EndpointDown as exc:
                reason = self.scrub(f"{state.endpoint.label}: {exc}")
                state.down = True
                state.down_reason = reason
                if self._pick() is None:
                    break
                retries += 1
                continue
            except Fatal as exc:
                reason = self.scrub(str(exc))
                break
            except Retry as exc:
                spent = _add(spent, self._spent(exc.usage))
                if state.down:  # given up while this request was on the wire
                    continue
                reason = self.scrub(exc.reason)
                state.last_reason = reason
                switched = self._note_failure(state, alive=exc.alive)
                if self._pick() is None:
                    reason = self.dead_reason
                    break
                if attempt >= self._max_attempts:
                    break
                retries += 1
                delay = 0.0 if switched else self._backoff(attempt, exc.retry_after)
                self._progress.unit_retry(uid, reason, delay)
                if delay:
                    await self._wait(delay)
                continue
            state.failures = 0
            if usage is None:
                prompt = sum(estimate_tokens(m.get("content", "")) for m in messages)
                usage = (prompt, estimate_tokens(text))
            if self._budget is not None:
                self._budget.add(*usage)
            usage = _add(spent, usage)
            return Completion(
                text=text,
                finish_reason=finish,
                usage=Usage(usage[0], usage[1], requests, retries),
                endpoint=state.endpoint.label,
            )
        raise TransportError(reason, Usage(spent[0], spent[1], requests, retries))

    def _spent(self, usage: tuple[int, int] | None) -> tuple[int, int] | None:
        """Count a failed attempt's tokens against the budget too."""
        if usage is not None and self._budget is not None:
            self._budget.add(*usage)
        return usage

    async def _attempt(
        self, state: EndpointState, uid: str, messages: Any, schema: Any
    ) -> tuple[str, str | None, tuple[int, int] | None]:
        """One request as its own task, so that giving the endpoint up can abandon it (the
        connection is closed and the server may drop the work)."""
        task = asyncio.ensure_future(self._wire.request(state, uid, messages, schema))
        state.in_flight.add(task)
        try:
            return await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if task.cancelled() and not (current and current.cancelling()):
                raise Retry("abandoned: the endpoint was given up") from None
            raise
        finally:
            state.in_flight.discard(task)
            if not task.done():
                task.cancel()

    def _enlarge(self, state: EndpointState) -> bool:
        """Raise this endpoint's ``max_tokens`` once (bounded); False when it cannot grow."""
        current = state.max_tokens or self._max_tokens
        if not current or current >= _MAX_TOKENS_CEILING:
            return False
        state.max_tokens = min(current * 4, _MAX_TOKENS_CEILING)
        return True

    # ----------------------------------------------------------------------------------------
