"""Talk to OpenAI-compatible chat endpoints: streaming, retries, failover.

:class:`ChatClient` turns a list of messages into one :class:`Completion`. It owns everything about
the transport so the writer above it only sees text or a :class:`TransportError`:

- one ``openai.AsyncOpenAI`` per endpoint, with the package's own retries off (``max_retries=0``);
- ``stream=True`` with ``stream_options.include_usage``; servers that ignore the option, send SSE
  comments, put an ``{"error": ...}`` event inside an HTTP 200 stream or close without ``[DONE]``
  are all handled (the text received is kept when the stream ends cleanly);
- at most ``concurrency`` requests in flight (one shared semaphore, held only while a request is
  on the wire, never during a backoff sleep), and a whole-request timeout;
- retries of 408/409/429/5xx, connection errors, timeouts, mid-stream disconnects, in-stream error
  events and empty answers, with exponential backoff and jitter, honouring ``Retry-After``, bounded
  by ``max_attempts``;
- an endpoint that answers 400/422 to ``response_format`` or ``stream_options`` is remembered and
  no longer sent them; one that fails ``breaker_threshold`` times in a row, or rejects the key, is
  left for the next endpoint;
- API keys are scrubbed from every reason this module reports.
"""

from __future__ import annotations

import asyncio
import email.utils
import math
import random
import re
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import anyio
import httpx2
import openai

from docgen.config import KEYLESS_PLACEHOLDER, Endpoint
from docgen.errors import TransportError
from docgen.model import Usage
from docgen.ui.progress import NullProgress, Progress
from docgen.write.chat.estimate import estimate_tokens
from docgen.write.chat.sse import EventStream, StreamError

__all__ = ["ChatClient", "Completion", "TransportError"]

_RETRY_STATUS = frozenset({408, 409, 429})
_ENDPOINT_FATAL = frozenset({401, 403, 404})
_MAX_REASON = 300
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Connections per client. The HTTP pool scans all its connections (a syscall each) whenever a
# request starts or ends; several small pools keep that cost flat as --concurrency grows.
_POOL_SIZE = 8
_OPTIONAL = ("stream_options", "response_format", "max_tokens", "temperature")
# words of a 400 that refuses a request field (not, say, a prompt over the context length)
_REJECTION_WORDS = ("support", "unrecognized", "unknown", "extra", "permitted", "schema", "format")


@dataclass(frozen=True, slots=True)
class Completion:
    """One finished answer. ``finish_reason`` is None when the server never said."""

    text: str
    finish_reason: str | None
    usage: Usage
    endpoint: str


class _Retry(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class _Downgrade(Exception):
    """The endpoint rejected an optional request field; try again without it."""


class _EndpointDown(Exception):
    """This endpoint cannot serve us (bad key, unknown model); go to the next one."""


class _Fatal(Exception):
    pass


@dataclass(slots=True)
class _State:
    """What we learned about one endpoint during this run."""

    endpoint: Endpoint
    clients: tuple[openai.AsyncOpenAI, ...]
    turn: int = 0
    rejected: set[str] = field(default_factory=set)  # optional request fields it refused
    failures: int = 0  # consecutive
    down: bool = False
    down_reason: str = ""

    @property
    def client(self) -> openai.AsyncOpenAI:
        """The next client, in turn (see ``_POOL_SIZE``)."""
        self.turn = (self.turn + 1) % len(self.clients)
        return self.clients[self.turn]


async def _drain(blocks: AsyncIterator[bytes]) -> None:
    """Read what follows ``[DONE]`` for a moment, so the connection can be reused."""
    try:
        async with asyncio.timeout(0.1):
            async for _ in blocks:
                pass
    except (TimeoutError, httpx2.RequestError, anyio.EndOfStream, OSError):
        pass


@lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    """The package's default TLS context (certificate checks on), built once: loading the CA
    bundle costs tens of milliseconds for every client otherwise."""
    return httpx2.create_ssl_context()


def parse_retry_after(
    headers: Mapping[str, str] | None, *, now: float | None = None
) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP date)."""
    if not headers:
        return None
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(float(raw_ms) / 1000.0, 0.0)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(float(raw), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw).timestamp()
    except (TypeError, ValueError, IndexError):
        return None
    return max(when - (time.time() if now is None else now), 0.0)


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
        max_tokens: int | None = 2000,
        temperature: float | None = 0.2,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
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
        self._max_tokens = max_tokens
        self._temperature = temperature
        self._sleep = sleep
        self._secrets: list[str] = []
        self._states: list[_State] = []
        for ep in endpoints:
            key = ep.api_key(environ)
            if key != KEYLESS_PLACEHOLDER and len(key) >= 4:
                self._secrets.append(key)
            clients = tuple(
                openai.AsyncOpenAI(
                    api_key=key,
                    base_url=ep.base_url,
                    max_retries=0,
                    timeout=openai.Timeout(timeout, connect=min(timeout, 10.0)),
                    http_client=openai.DefaultAsyncHttpxClient(verify=_tls_context()),
                )
                for _ in range(math.ceil(max(1, concurrency) / _POOL_SIZE))
            )
            self._states.append(_State(ep, clients))

    async def aclose(self) -> None:
        for state in self._states:
            for client in state.clients:
                await client.close()

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

    def _pick(self) -> _State | None:
        for state in self._states:
            if not state.down:
                return state
        return None

    def _backoff(self, retry: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self._max_retry_after) + random.random() * self._backoff_base
        ceiling = min(self._backoff_max, self._backoff_base * 2 ** (retry - 1))
        return ceiling / 2 + random.random() * ceiling / 2

    def _note_failure(self, state: _State) -> bool:
        """Count a failure; True when the endpoint was just left for the next one."""
        state.failures += 1
        others = any(not s.down for s in self._states if s is not state)
        if state.failures >= self._breaker and others:
            state.down = True
            return True
        return False

    async def complete(
        self,
        uid: str,
        messages: Sequence[Mapping[str, str]],
        *,
        schema: tuple[str, Mapping[str, Any]] | None = None,
        announce: bool = True,
    ) -> Completion:
        """One answer for ``messages``; raises :class:`TransportError` when every attempt failed."""
        requests = retries = 0
        attempt = 0
        reason = "; ".join(s.down_reason for s in self._states if s.down_reason)
        reason = reason or "no endpoint available"
        while attempt < self._max_attempts:
            state = self._pick()
            if state is None:
                break
            attempt += 1
            requests += 1
            try:
                async with self._sem:
                    if announce:
                        announce = False
                        self._progress.unit_started(uid)
                    text, finish, usage = await self._request(state, uid, messages, schema)
            except _Downgrade:
                attempt -= 1  # the endpoint told us what it does not take; not a failure
                continue
            except _EndpointDown as exc:
                reason = self.scrub(f"{state.endpoint.label}: {exc}")
                state.down = True
                state.down_reason = reason
                if self._pick() is None:
                    break
                retries += 1
                continue
            except _Fatal as exc:
                reason = self.scrub(str(exc))
                break
            except _Retry as exc:
                reason = self.scrub(exc.reason)
                switched = self._note_failure(state)
                if attempt >= self._max_attempts:
                    break
                retries += 1
                delay = 0.0 if switched else self._backoff(attempt, exc.retry_after)
                self._progress.unit_retry(uid, reason, delay)
                if delay:
                    await self._sleep(delay)
                continue
            state.failures = 0
            if usage is None:
                prompt = sum(estimate_tokens(m.get("content", "")) for m in messages)
                usage = (prompt, estimate_tokens(text))
            return Completion(
                text=text,
                finish_reason=finish,
                usage=Usage(usage[0], usage[1], requests, retries),
                endpoint=state.endpoint.label,
            )
        raise TransportError(reason, Usage(0, 0, requests, retries))

    # ----------------------------------------------------------------------------------------

    def _kwargs(self, state: _State, messages: Any, schema: Any) -> dict[str, Any]:
        # The messages and the optional fields travel in extra_body, which the openai package
        # sends as given (it takes precedence over the typed arguments): the typed path walks
        # every message and the nested JSON schema against union types, milliseconds of CPU per
        # request, to change nothing for plain dicts of strings.
        extra: dict[str, Any] = {"messages": [dict(m) for m in messages]}
        kwargs: dict[str, Any] = {
            "model": state.endpoint.model,
            "messages": [],
            "extra_body": extra,
        }
        rejected = state.rejected
        if self._temperature is not None and "temperature" not in rejected:
            extra["temperature"] = self._temperature
        if self._max_tokens and "max_tokens" not in rejected:
            extra["max_tokens"] = self._max_tokens
        if schema is not None and "response_format" not in rejected:
            name, body = schema
            extra["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": name, "schema": dict(body), "strict": True},
            }
        if self._stream:
            kwargs["stream"] = True
            if "stream_options" not in rejected:
                extra["stream_options"] = {"include_usage": True}
        return kwargs

    async def _request(
        self, state: _State, uid: str, messages: Any, schema: Any
    ) -> tuple[str, str | None, tuple[int, int] | None]:
        kwargs = self._kwargs(state, messages, schema)
        try:
            async with asyncio.timeout(self._timeout):
                if self._stream:
                    return await self._streamed(state, uid, kwargs)
                return await self._plain(state, kwargs)
        except TimeoutError:
            raise _Retry(f"timed out after {self._timeout:g} s") from None
        except openai.APIStatusError as exc:
            raise self._status_problem(state, exc, kwargs) from None
        except openai.APITimeoutError:
            raise _Retry("timed out") from None
        except openai.APIConnectionError as exc:
            cause = type(exc.__cause__).__name__ if exc.__cause__ else "connection failed"
            raise _Retry(f"connection error ({cause})") from None
        except openai.APIError as exc:
            raise _Retry(f"error event from the server: {exc.message}") from None
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            raise _Retry(f"malformed response ({type(exc).__name__})") from None

    def _status_problem(self, state: _State, exc: openai.APIStatusError, kwargs: dict) -> Exception:
        status = exc.status_code
        body = exc.body.get("message") if isinstance(exc.body, dict) else None
        message = f"HTTP {status}: {body if isinstance(body, str) else exc.message}"
        if status in _RETRY_STATUS or status >= 500:
            return _Retry(message, parse_retry_after(exc.response.headers))
        if status in (400, 422):
            # An optional field the endpoint does not take: the one its message names, else the
            # likeliest culprits in order. It is left out of this endpoint's requests from now on.
            sent = [f for f in _OPTIONAL if f in kwargs or f in kwargs["extra_body"]]
            text = f"{exc.message} {body or ''}".lower()
            named = [f for f in sent if f in text]
            guess = []
            if any(word in text for word in _REJECTION_WORDS):
                guess = [f for f in ("response_format", "stream_options") if f in sent]
            culprit = (named or guess or [None])[0]
            if culprit is not None:
                state.rejected.add(culprit)
                return _Downgrade()
        if status in _ENDPOINT_FATAL:
            return _EndpointDown(message)
        return _Fatal(message)

    async def _streamed(
        self, state: _State, uid: str, kwargs: dict[str, Any]
    ) -> tuple[str, str | None, tuple[int, int] | None]:
        """Read the SSE stream ourselves from the package's raw streaming response.

        ``openai.AsyncStream`` builds a pydantic model for every chunk, a fraction of a millisecond
        each; with token-by-token servers that dominates the client's CPU. Decoding the few fields
        we read with ``json.loads`` is much cheaper, and lets us treat every server quirk here.
        """
        sse = EventStream(uid, self._progress.unit_text)
        create = state.client.chat.completions.with_streaming_response.create
        async with create(**kwargs) as response:
            blocks = response.iter_bytes()
            try:
                async for block in blocks:
                    if sse.feed(block):
                        break
                else:
                    sse.finish()
            except StreamError as exc:
                raise _Retry(str(exc)) from None
            except httpx2.TimeoutException:
                raise _Retry("timed out while streaming") from None
            except (httpx2.RequestError, anyio.EndOfStream, OSError) as exc:
                raise _Retry(f"connection lost while streaming ({type(exc).__name__})") from None
            if sse.done:
                await _drain(blocks)
        text = "".join(sse.parts)
        if not text.strip():
            raise _Retry("empty answer")
        return text, sse.finish_reason, sse.usage

    async def _plain(
        self, state: _State, kwargs: dict[str, Any]
    ) -> tuple[str, str | None, tuple[int, int] | None]:
        response = await state.client.chat.completions.create(**kwargs)
        choices = getattr(response, "choices", None)
        if not choices:
            error = getattr(response, "error", None)
            if error:
                detail = error.get("message") if isinstance(error, Mapping) else error
                raise _Retry(f"error from the server: {detail}")
            raise _Retry("empty answer")
        choice = choices[0]
        text = getattr(getattr(choice, "message", None), "content", None) or ""
        if not text.strip():
            raise _Retry("empty answer")
        got = getattr(response, "usage", None)
        usage = None
        if got is not None and getattr(got, "prompt_tokens", None) is not None:
            usage = (got.prompt_tokens or 0, got.completion_tokens or 0)
        return text, getattr(choice, "finish_reason", None), usage
