"""One request to one endpoint, on the wire: the body, the stream, and what an error says.

:class:`Wire` sends one chat request with the openai package and reads the answer (streamed SSE
through :class:`~docgen.write.chat.sse.EventStream`, or a plain JSON body). Everything that goes
wrong becomes one of this module's exceptions, which :class:`~docgen.write.chat.client.ChatClient`
turns into retries, downgrades and failover:

- :class:`Retry`: worth another try (5xx, 408/409/429, timeouts, lost connections, error events,
  empty answers); it carries the tokens the failed attempt cost, when the server said;
- :class:`Downgrade`: a 400/422 that refuses an optional field. The field is found in the whole
  error body, whatever the server's dialect: OpenAI's ``error.param``, FastAPI's ``detail[].loc``,
  Azure's "Unrecognized request argument supplied: X", vLLM's and llama.cpp's schema messages. An
  unexplained 400/422 drops the optional fields one at a time before it counts as fatal;
- :class:`Exhausted`: a reasoning model spent the whole token limit before writing any answer;
- :class:`EndpointDown` (bad key, unknown model) and :class:`Fatal` (anything else).
"""

from __future__ import annotations

import asyncio
import email.utils
import re
import ssl
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import anyio
import httpx2
import openai

from docgen.config import Endpoint
from docgen.ui.progress import Progress
from docgen.write.chat.sse import EventStream, StreamError

__all__ = [
    "DEFAULT_MAX_TOKENS",
    "DEFAULT_TEMPERATURE",
    "OPTIONAL",
    "Downgrade",
    "EndpointDown",
    "EndpointState",
    "Exhausted",
    "Fatal",
    "Retry",
    "Wire",
    "parse_retry_after",
    "tls_context",
]


_RETRY_STATUS = frozenset({408, 409, 429})
_ENDPOINT_FATAL = frozenset({401, 403, 404})
_MAX_REASON = 300
OPTIONAL = ("response_format", "stream_options", "max_tokens", "temperature")
DEFAULT_MAX_TOKENS = 2000
DEFAULT_TEMPERATURE = 0.2
# a 400 about the prompt itself: leaving optional fields out would not help
_CONTEXT_WORDS = re.compile(
    r"context.length|context window|maximum context|too many tokens|content.(filter|management)",
    re.I,
)
# other spellings servers use for an optional field in their error messages
_FIELD_WORDS = {
    "response_format": ("response_format", "json_schema", "guided_json", "grammar"),
    "stream_options": ("stream_options", "include_usage"),
    "max_tokens": ("max_tokens",),
    "temperature": ("temperature",),
}


def _error_text(body: object) -> str:
    """The words of an error body, whatever its dialect: OpenAI's ``{"error": {"message"}}``
    (the package passes the inner object), FastAPI's ``{"detail": [{"loc", "msg"}]}`` or a
    ``detail`` string, llama.cpp's and others' ``message``/``error`` strings, or plain text."""
    if isinstance(body, str):
        return body.strip()[:_MAX_REASON]
    if not isinstance(body, Mapping):
        return ""
    parts: list[str] = []
    for key in ("message", "error", "msg"):
        value = body.get(key)
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, Mapping) and isinstance(value.get("message"), str):
            parts.append(value["message"])
    detail = body.get("detail")
    if isinstance(detail, str):
        parts.append(detail)
    elif isinstance(detail, list):
        for item in detail[:5]:
            if isinstance(item, Mapping):
                loc = ".".join(str(x) for x in item.get("loc") or () if x != "body")
                msg = item.get("msg") or item.get("message") or ""
                parts.append(f"{loc}: {msg}" if loc else str(msg))
    if isinstance(body.get("param"), str):
        parts.append(f"(param: {body['param']})")
    return " ".join(parts)


def _refused_field(body: object, text: str, sent: Sequence[str]) -> str | None:
    """The optional request field an error refuses: named by OpenAI's ``param``, by a FastAPI
    ``loc``, or by the message's words (Azure's "Unrecognized request argument supplied: X",
    vLLM's and llama.cpp's schema errors)."""
    named: list[str] = []
    if isinstance(body, Mapping):
        param = body.get("param")
        if isinstance(param, str):
            named.append(re.split(r"[.\[]", param)[0])
        detail = body.get("detail")
        if isinstance(detail, list):
            for item in detail:
                if isinstance(item, Mapping):
                    named += [str(x) for x in item.get("loc") or () if isinstance(x, str)]
    for field_name in sent:
        if field_name in named:
            return field_name
    lowered = text.lower()
    for field_name in sent:
        if any(word in lowered for word in _FIELD_WORDS[field_name]):
            return field_name
    return None


class Retry(Exception):
    def __init__(
        self,
        reason: str,
        retry_after: float | None = None,
        *,
        usage: tuple[int, int] | None = None,
        alive: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.usage = usage  # what the failed attempt cost, when the server said
        self.alive = alive  # the endpoint answered sensibly (a rate limit): not a sign of death


class Exhausted(Exception):
    """The model spent its whole token limit on reasoning: no answer text at all."""

    def __init__(self, usage: tuple[int, int] | None) -> None:
        super().__init__("the model spent its token limit on reasoning")
        self.usage = usage


class Downgrade(Exception):
    """The endpoint rejected an optional request field; try again without it."""


class EndpointDown(Exception):
    """This endpoint cannot serve us (bad key, unknown model); go to the next one."""


class Fatal(Exception):
    pass


@dataclass(slots=True)
class EndpointState:
    """What we learned about one endpoint during this run."""

    endpoint: Endpoint
    client: openai.AsyncOpenAI | None  # None: only building requests (``docgen batch``)
    rejected: set[str] = field(default_factory=set)  # optional request fields it refused
    renamed: set[str] = field(default_factory=set)  # fields it asked for instead
    failures: int = 0  # consecutive, across units
    down: bool = False
    down_reason: str = ""
    max_tokens: int | None = None  # raised for this endpoint after a reasoning model ran out
    last_reason: str = ""
    streak_started: float = 0.0
    in_flight: set[asyncio.Task[Any]] = field(default_factory=set)


async def _drain(blocks: AsyncIterator[bytes]) -> None:
    """Read what follows ``[DONE]`` for a moment, so the connection can be reused."""
    try:
        async with asyncio.timeout(0.1):
            async for _ in blocks:
                pass
    except (TimeoutError, httpx2.RequestError, anyio.EndOfStream, OSError):
        pass


@lru_cache(maxsize=1)
def tls_context() -> ssl.SSLContext:
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


class Wire:
    """Sends one request and reads its answer (see the module docstring)."""

    def __init__(
        self,
        *,
        timeout: float,
        stream: bool,
        max_tokens: int | None,
        temperature: float | None,
        progress: Progress,
    ) -> None:
        self._timeout = timeout
        self._stream = stream
        self._max_tokens = max_tokens
        self._temperature = temperature
        self._progress = progress

    def body(self, state: EndpointState, messages: Any, schema: Any) -> dict[str, Any]:
        """The request body, as sent: the model, the messages, and the optional fields this
        endpoint has not refused."""
        body: dict[str, Any] = {
            "model": state.endpoint.model,
            "messages": [dict(m) for m in messages],
        }
        rejected = state.rejected
        if self._temperature is not None and "temperature" not in rejected:
            body["temperature"] = self._temperature
        max_tokens = state.max_tokens or self._max_tokens
        if max_tokens and "max_tokens" not in rejected:
            body["max_tokens"] = max_tokens
        elif max_tokens and "max_completion_tokens" in state.renamed:
            body["max_completion_tokens"] = max_tokens
        if schema is not None and "response_format" not in rejected:
            name, schema_body = schema
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": name, "schema": dict(schema_body), "strict": True},
            }
        if self._stream:
            body["stream"] = True
            if "stream_options" not in rejected:
                body["stream_options"] = {"include_usage": True}
        return body

    async def request(
        self, state: EndpointState, uid: str, messages: Any, schema: Any
    ) -> tuple[str, str | None, tuple[int, int] | None]:
        body = self.body(state, messages, schema)
        try:
            async with asyncio.timeout(self._timeout):
                if self._stream:
                    return await self._streamed(state, uid, body)
                return await self._plain(state, body)
        except TimeoutError:
            raise Retry(f"timed out after {self._timeout:g} s") from None
        except openai.APIStatusError as exc:
            raise self._status_problem(state, exc, body) from None
        except openai.APITimeoutError:
            raise Retry("timed out") from None
        except openai.APIConnectionError as exc:
            cause = type(exc.__cause__).__name__ if exc.__cause__ else "connection failed"
            raise Retry(f"connection error ({cause})") from None
        except openai.APIError as exc:
            raise Retry(f"error event from the server: {exc.message}") from None
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            raise Retry(f"malformed response ({type(exc).__name__})") from None

    def _status_problem(
        self, state: EndpointState, exc: openai.APIStatusError, body: dict
    ) -> Exception:
        status = exc.status_code
        error = exc.body
        detail = _error_text(error) or exc.message
        message = f"HTTP {status}: {detail}"
        if status in _RETRY_STATUS or status >= 500:
            return Retry(message, parse_retry_after(exc.response.headers), alive=status == 429)
        if status in (400, 422):
            sent = [f for f in OPTIONAL if f in body]
            culprit = _refused_field(error, f"{exc.message} {detail}", sent)
            if culprit is None and sent and not _CONTEXT_WORDS.search(detail):
                # Unexplained: leave the optional fields out one at a time before failing.
                culprit = sent[0]
            if culprit is not None:
                state.rejected.add(culprit)
                if culprit == "max_tokens" and "max_completion_tokens" in detail:
                    state.renamed.add("max_completion_tokens")
                return Downgrade()
        if status in _ENDPOINT_FATAL:
            return EndpointDown(message)
        return Fatal(message)

    async def _streamed(
        self, state: EndpointState, uid: str, body: dict[str, Any]
    ) -> tuple[str, str | None, tuple[int, int] | None]:
        """Read the SSE stream ourselves from the raw response of the package's ``post``.

        ``openai.AsyncStream`` builds a pydantic model for every chunk, a fraction of a millisecond
        each; with token-by-token servers that dominates the client's CPU. Decoding the few fields
        we read is much cheaper, and lets us treat every server quirk here. The request goes out
        through ``client.post`` with ``cast_to=httpx2.Response`` (the package's documented way to
        a raw response), not ``chat.completions.create``: the body is already what the server
        must get, and ``create`` walks its forty typed parameters and wraps the response: 0.3-0.5
        ms of CPU a request (2.1-2.6 against 1.6-2.3 ms for a one-chunk answer, sequential
        requests, six alternations).
        """
        sse = EventStream(uid, self._progress.unit_text)
        assert state.client is not None
        response = await state.client.post(
            "/chat/completions", cast_to=httpx2.Response, body=body, stream=True
        )
        try:
            blocks = response.aiter_bytes()
            try:
                async for block in blocks:
                    if sse.feed(block):
                        break
                else:
                    sse.finish()
            except StreamError as exc:
                raise Retry(str(exc)) from None
            except httpx2.TimeoutException:
                raise Retry("timed out while streaming") from None
            except (httpx2.RequestError, anyio.EndOfStream, OSError) as exc:
                raise Retry(f"connection lost while streaming ({type(exc).__name__})") from None
            if sse.done:
                await _drain(blocks)
        finally:
            await response.aclose()
        text = "".join(sse.parts)
        _check_text(text, sse.finish_reason, sse.usage)
        return text, sse.finish_reason, sse.usage

    async def _plain(
        self, state: EndpointState, body: dict[str, Any]
    ) -> tuple[str, str | None, tuple[int, int] | None]:
        assert state.client is not None
        fields = {key: value for key, value in body.items() if key != "model"}
        # the typed parameters stay empty: the body travels as given, in extra_body
        response = await state.client.chat.completions.create(
            model=body["model"], messages=[], extra_body=fields
        )
        choices = getattr(response, "choices", None)
        if not choices:
            error = getattr(response, "error", None)
            if error:
                detail = error.get("message") if isinstance(error, Mapping) else error
                raise Retry(f"error from the server: {detail}")
            raise Retry("empty answer")
        choice = choices[0]
        text = getattr(getattr(choice, "message", None), "content", None) or ""
        got = getattr(response, "usage", None)
        usage = None
        if got is not None and getattr(got, "prompt_tokens", None) is not None:
            usage = (got.prompt_tokens or 0, got.completion_tokens or 0)
        finish = getattr(choice, "finish_reason", None)
        _check_text(text, finish, usage)
        return text, finish, usage


def _check_text(text: str, finish: str | None, usage: tuple[int, int] | None) -> None:
    """Refuse an answer without text: a model that hit the token limit while still reasoning
    (nothing but reasoning, or an unclosed ``<think>``) is told apart from an empty answer."""
    bare = text.strip()
    reasoning_only = bare.startswith("<think") and "</think>" not in bare
    if finish == "length" and (not bare or reasoning_only):
        raise Exhausted(usage)
    if not bare:
        raise Retry("empty answer", usage=usage)
