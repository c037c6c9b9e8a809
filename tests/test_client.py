"""The chat client against a real OpenAI-compatible HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import math
import ssl
import time

import pytest
from openai_server import FakeOpenAI, Reply

from docgen.config import Endpoint
from docgen.model import Usage
from docgen.write.chat.client import ChatClient, TransportError, _verify, parse_retry_after

KEY = "sk-test-Secret-0123456789"
ENV = {"DOCGEN_TEST_KEY": KEY}
MESSAGES = [{"role": "system", "content": "sys"}, {"role": "user", "content": "document f"}]
SCHEMA = ("function_doc", {"type": "object", "properties": {}, "required": []})
ANSWER = '{"purpose": "Проверяет данные и возвращает результат."}'

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend():
    return "asyncio"


class Recorder:
    """A Progress that keeps every event."""

    def __init__(self):
        self.events: list[tuple] = []

    def begin(self, total, *, cached=0):
        self.events.append(("begin", total))

    def unit_started(self, uid):
        self.events.append(("started", uid))

    def unit_text(self, uid, delta):
        self.events.append(("text", uid, delta))

    def unit_retry(self, uid, reason, delay):
        self.events.append(("retry", uid, reason, delay))

    def unit_finished(self, result, usage):
        self.events.append(("finished", result, usage))

    def end(self):
        self.events.append(("end",))

    def of(self, kind):
        return [e for e in self.events if e[0] == kind]


def endpoint(server: FakeOpenAI, name: str = "") -> Endpoint:
    return Endpoint(base_url=server.url, model="m", api_key_env="DOCGEN_TEST_KEY", name=name)


def make_client(*servers, **options) -> ChatClient:
    options.setdefault("backoff_base", 0.01)
    options.setdefault("timeout", 5.0)
    options.setdefault("max_attempts", 4)
    return ChatClient([endpoint(s) for s in servers], environ=ENV, **options)


@pytest.fixture
def server():
    with FakeOpenAI(content=ANSWER) as srv:
        yield srv


async def complete(client: ChatClient, schema=SCHEMA):
    try:
        return await client.complete("pkg.mod:f", MESSAGES, schema=schema)
    finally:
        await client.aclose()


async def test_streamed_answer_with_usage_and_deltas(server):
    progress = Recorder()
    result = await complete(make_client(server, progress=progress))
    assert result.text == ANSWER
    assert result.finish_reason == "stop"
    assert result.usage == Usage(120, 80, 1, 0)
    assert "".join(e[2] for e in progress.of("text")) == ANSWER
    assert progress.of("started") == [("started", "pkg.mod:f")]
    body = server.requests[0].body
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["name"] == "function_doc"
    assert body["messages"] == MESSAGES


async def test_plain_json_answer(server):
    result = await complete(make_client(server, stream=False), schema=None)
    assert result.text == ANSWER and result.usage.prompt_tokens == 120
    body = server.requests[0].body
    assert "stream" not in body or body["stream"] is False
    assert "response_format" not in body and "stream_options" not in body


async def test_server_ignoring_stream_options_and_done(server):
    server.ignore_stream_options = True
    server.queue(Reply(done=False, comments=True))
    result = await complete(make_client(server))
    assert result.text == ANSWER
    assert result.usage.requests == 1 and result.usage.prompt_tokens > 0  # estimated


async def test_rejected_optional_fields_are_remembered(server):
    server.reject_response_format = True
    server.reject_stream_options = True
    client = make_client(server)
    first = await client.complete("a", MESSAGES, schema=SCHEMA)
    second = await complete(client)
    assert first.text == second.text == ANSWER
    sent = [("response_format" in r.body, "stream_options" in r.body) for r in server.requests]
    assert sent == [(True, True), (False, True), (False, False), (False, False)]
    assert first.usage.retries == 0  # a downgrade is not a failure


async def test_other_rejected_optional_fields_are_dropped(server):
    server.queue(Reply(status=400, error_message="Unsupported parameter: 'max_tokens'"))
    client = make_client(server)
    await client.complete("a", MESSAGES, schema=SCHEMA)
    await complete(client)
    assert ["max_tokens" in r.body for r in server.requests] == [True, False, False]
    assert all("response_format" in r.body for r in server.requests)


async def test_an_unrelated_400_does_not_drop_json_schema(server):
    server.queue(Reply(status=400, error_message="maximum context length is 8192 tokens"))
    client = make_client(server)
    with pytest.raises(TransportError, match="context length"):
        await client.complete("a", MESSAGES, schema=SCHEMA)
    await complete(client)
    assert all("response_format" in r.body for r in server.requests)
    assert len(server.requests) == 2


async def test_429_honours_retry_after(server):
    server.queue(Reply(status=429, retry_after="0.4"))
    progress = Recorder()
    started = time.monotonic()
    result = await complete(make_client(server, progress=progress))
    assert time.monotonic() - started >= 0.4
    assert result.usage == Usage(120, 80, 2, 1)
    ((_, _, reason, delay),) = progress.of("retry")
    assert reason.startswith("HTTP 429") and delay >= 0.4


@pytest.mark.parametrize("status", [500, 503, 408, 409])
async def test_server_errors_are_retried(server, status):
    server.queue(Reply(status=status), Reply(status=502))
    result = await complete(make_client(server))
    assert result.text == ANSWER and result.usage.requests == 3


async def test_timeout_is_retried(server):
    server.queue(Reply(latency=3.0))
    started = time.monotonic()
    result = await complete(make_client(server, timeout=0.3))
    assert result.text == ANSWER
    assert time.monotonic() - started < 2.0


async def test_slow_trickling_stream_hits_the_whole_request_timeout(server):
    server.queue(*[Reply(chunks=20, chunk_delay=0.1)] * 2)
    with pytest.raises(TransportError, match="timed out"):
        await complete(make_client(server, timeout=0.3, max_attempts=2))


@pytest.mark.parametrize(
    "fault",
    [
        Reply(disconnect_after=2, content='{"purpose": "ОБРЫВ'),
        Reply(error_event="provider is overloaded"),
        Reply(content=""),
        Reply(content="   "),
    ],
    ids=["disconnect", "error-event", "empty", "blank"],
)
async def test_stream_faults_are_retried(server, fault):
    server.queue(fault)
    progress = Recorder()
    result = await complete(make_client(server, progress=progress))
    assert result.text == ANSWER  # nothing from the failed attempt is kept
    assert len(server.requests) == 2
    assert len(progress.of("retry")) == 1


async def test_error_event_reason_is_reported(server):
    server.queue(*[Reply(error_event="provider is overloaded")] * 3)
    with pytest.raises(TransportError) as err:
        await complete(make_client(server, max_attempts=3))
    assert "provider is overloaded" in err.value.reason
    assert err.value.usage == Usage(0, 0, 3, 2)


async def test_malformed_stream_chunk_is_retried(server):
    server.queue(Reply(raw=b'{"id": "x", "choices": [{"delta": {"content": "ab'))
    result = await complete(make_client(server))
    assert result.text == ANSWER and result.usage.requests == 2


async def test_malformed_plain_body_is_retried(server):
    server.queue(Reply(raw=b'{"choices": [{"message": '), Reply(raw=b'{"error": {"message": "x"}}'))
    result = await complete(make_client(server, stream=False))
    assert result.text == ANSWER and result.usage.requests == 3


async def test_length_finish_reason_is_returned_not_hidden(server):
    server.queue(Reply(finish_reason="length"))
    result = await complete(make_client(server))
    assert result.finish_reason == "length"


async def test_attempts_are_bounded(server):
    server.script = lambda request: Reply(status=503)
    with pytest.raises(TransportError) as err:
        await complete(make_client(server, max_attempts=3))
    assert len(server.requests) == 3
    assert err.value.reason.startswith("HTTP 503")


async def test_an_unexplained_400_drops_optional_fields_one_at_a_time_then_fails(server):
    server.script = lambda request: Reply(status=400, error_message="bad model")
    with pytest.raises(TransportError, match="HTTP 400: bad model"):
        await complete(make_client(server, stream=False), schema=None)
    sent = [
        sorted(k for k in ("max_tokens", "temperature") if k in r.body) for r in server.requests
    ]
    assert sent == [["max_tokens", "temperature"], ["temperature"], []]


async def test_failover_to_the_next_endpoint():
    with FakeOpenAI(content="A") as bad, FakeOpenAI(content=ANSWER) as good:
        bad.script = lambda request: Reply(status=503)
        client = make_client(bad, good, breaker_threshold=2, max_attempts=5)
        first = await client.complete("a", MESSAGES)
        second = await complete(client)
        assert first.text == second.text == ANSWER
        assert len(bad.requests) == 2  # left after two failures in a row, never asked again
        assert first.endpoint == good.url and first.usage.requests == 3


async def test_rejected_key_moves_to_the_next_endpoint():
    with FakeOpenAI() as bad, FakeOpenAI(content=ANSWER) as good:
        bad.script = lambda request: Reply(status=401, error_message=f"Incorrect API key {KEY}")
        result = await complete(make_client(bad, good))
        assert result.text == ANSWER and len(bad.requests) == 1


async def test_a_rejected_key_is_reported_for_every_later_unit(server):
    server.script = lambda request: Reply(status=401, error_message="Incorrect API key")
    client = make_client(server)
    for _ in range(2):
        with pytest.raises(TransportError, match="HTTP 401: Incorrect API key"):
            await client.complete("a", MESSAGES)
    await client.aclose()
    assert len(server.requests) == 1


async def test_key_is_only_a_bearer_token_and_scrubbed_from_reasons(server):
    server.script = lambda request: Reply(status=500, error_message=f"said \x1b[31mkey={KEY}")
    progress = Recorder()
    with pytest.raises(TransportError) as err:
        await complete(make_client(server, max_attempts=2, progress=progress))
    assert KEY not in err.value.reason and "***" in err.value.reason
    assert "\x1b" not in err.value.reason
    assert KEY not in str(err.value) and KEY not in repr(progress.events)
    for request in server.requests:
        assert request.headers["authorization"] == f"Bearer {KEY}"
        others = {k: v for k, v in request.headers.items() if k != "authorization"}
        assert KEY not in repr(others) and KEY.encode() not in request.raw


@pytest.mark.parametrize(("concurrency", "units"), [(4, 12), (12, 36)])
async def test_concurrency_bound_and_wall_time(server, concurrency, units):
    server.latency = 0.2
    client = make_client(server, concurrency=concurrency)  # 12: two pools of connections
    started = time.monotonic()
    try:
        results = await asyncio.gather(*(client.complete(f"u{i}", MESSAGES) for i in range(units)))
    finally:
        await client.aclose()
    elapsed = time.monotonic() - started
    assert len(results) == units
    assert server.max_in_flight == concurrency
    ideal = math.ceil(units / concurrency) * 0.2
    assert ideal <= elapsed < ideal * 1.25 + 0.25  # room for a busy CI box; serial: 12x longer


async def test_backoff_sleep_does_not_hold_a_slot(server):
    server.latency = 0.2
    server.queue(Reply(status=429, retry_after="0.6"))
    client = make_client(server, concurrency=1)
    started = time.monotonic()
    try:
        await asyncio.gather(*(client.complete(f"u{i}", MESSAGES) for i in range(3)))
    finally:
        await client.aclose()
    # the two others run while the first one waits out its Retry-After: 0.2 + 0.6 + 0.2 s,
    # where holding the only slot while sleeping would take 0.2 + 0.6 + 3 x 0.2 s
    assert 1.0 <= time.monotonic() - started < 1.25


async def test_cancellation_propagates(server):
    server.latency = 5.0
    client = make_client(server)
    task = asyncio.ensure_future(client.complete("u", MESSAGES))
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await client.aclose()


def test_parse_retry_after_forms():
    assert parse_retry_after({"retry-after": "3"}) == 3.0
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert parse_retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:10 GMT"}, now=1445412480) == 10
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None


def test_sse_decoder_takes_any_split_and_line_ending():
    from docgen.write.chat.sse import EventStream

    data = (
        ': ping\r\n\r\ndata: {"choices":[{"delta":{"content":"при"}}]}\r\n\r\n'
        'data: {"choices":[{"delta":{},"finish_reason":"stop"}],'
        '"usage":{"prompt_tokens":3,"completion_tokens":4}}\n\ndata: [DONE]\n\n'
    ).encode()
    deltas: list[str] = []
    sse = EventStream("u", lambda uid, delta: deltas.append(delta))
    assert any(sse.feed(data[i : i + 1]) for i in range(len(data)))  # one byte at a time
    assert deltas == ["при"] and sse.finish_reason == "stop" and sse.usage == (3, 4)
    tail = EventStream("u", lambda uid, delta: None)
    tail.feed(b'data: {"choices":[{"delta":{"content":"a"}}]}')  # no blank line, no [DONE]
    tail.finish()
    assert tail.parts == ["a"] and not tail.done


def test_sse_decoder_keeps_text_around_invalid_utf8_and_refuses_broken_json():
    from docgen.write.chat.sse import EventStream, StreamError

    sse = EventStream("u", lambda uid, delta: None)
    sse.feed(b'data: {"choices":[{"delta":{"content":"ok \xff end"}}]}\n\ndata: [DONE]\n\n')
    assert sse.parts == ["ok \ufffd end"] and sse.done
    broken = EventStream("u", lambda uid, delta: None)
    with pytest.raises(StreamError):
        broken.feed(b'data: {"choices":[{"delta":{"content":"a"}}]} trailing\n\n')


def test_certificates_are_checked_for_https_and_not_loaded_for_plain_http():
    """Loading the CA bundle costs 70 ms of CPU before the first request; a plain-HTTP endpoint
    negotiates no TLS, so it goes without."""
    context = _verify("https://api.example.com/v1")
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert _verify("HTTPS://api.example.com/v1") is context
    assert _verify("http://127.0.0.1:8000/v1") is False
    assert _verify("HTTP://localhost:11434/v1") is False
