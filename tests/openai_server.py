"""A scriptable OpenAI-compatible chat server on 127.0.0.1, for tests and the benchmark.

It speaks the real wire format of ``POST /v1/chat/completions``: a JSON ``chat.completion`` body,
or with ``"stream": true`` an SSE stream of ``data: {chat.completion.chunk}`` events (chunked
transfer encoding), a final usage chunk with empty ``choices`` when the request asks for
``stream_options.include_usage``, then ``data: [DONE]``. Errors are JSON ``{"error": {...}}``
bodies with the usual status codes.

Usage::

    from openai_server import FakeOpenAI, Reply   # tests/ on sys.path (as pytest puts it)

    with FakeOpenAI(content='{"purpose": "..."}') as server:      # default answer
        server.queue(Reply(status=429, retry_after="0.2"), Reply(latency=0.5))  # then defaults
        client = openai.AsyncOpenAI(base_url=server.url, api_key="k", max_retries=0)
        ...
        server.requests[0].headers["authorization"]   # "Bearer k"
        server.requests[0].body["messages"]           # the decoded JSON body
        server.max_in_flight                          # most requests handled at once

What each request gets, first match wins: the next queued :class:`Reply` (``queue``), else
``script(request)`` when a callable was given, else ``Reply()`` with the default content (a string,
or a callable taking the :class:`Recorded` request; :func:`auto_answer` writes a valid docgen
answer for any unit, for end-to-end runs: ``FakeOpenAI(content=auto_answer)``). Server-wide
switches imitate servers that reject optional fields (``reject_response_format``,
``reject_stream_options``: a 400 naming the field) or ignore them (``ignore_stream_options``: no
usage chunk). A :class:`Reply` can add latency, an error status with ``Retry-After``, an
``{"error": ...}`` event inside an HTTP 200 stream (as gpt4free sends), a disconnect in the middle
of the stream, a stream closed without ``[DONE]``, SSE comments, a finish reason (``"length"``) or
a raw body (malformed JSON), an error body in another server's dialect (``body``), or reasoning
deltas before the content (``reasoning``).

The server binds 127.0.0.1 on a free port, runs in daemon threads, wakes any sleeping handler
when stopped, and stops itself after ``lifetime`` seconds in any case. Run as a program
(``cd tests; python -m openai_server --latency 1.0``) it prints its URL and
serves until its standard input closes.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["FakeOpenAI", "Recorded", "Reply", "auto_answer"]


@dataclass(frozen=True)
class Reply:
    """How to answer one request."""

    content: str | None = None  # the answer text; None: the server's default content
    status: int = 200
    retry_after: str | None = None  # Retry-After header value for error statuses
    error_message: str = "simulated failure"
    latency: float = 0.0  # seconds before the status line is sent
    chunks: int = 6  # stream: how many content chunks the text is split into
    chunk_delay: float = 0.0  # stream: seconds between chunks
    error_event: str | None = None  # stream: send {"error": {"message": ...}} after one chunk
    disconnect_after: int | None = None  # stream: drop the connection after this many chunks
    done: bool = True  # stream: end with data: [DONE]
    comments: bool = True  # stream: send SSE comment lines (": ping")
    finish_reason: str = "stop"
    raw: bytes | None = None  # this exact body (non-stream) or data of the only event (stream)
    usage: tuple[int, int] = (120, 80)  # prompt and completion tokens reported
    body: Any = None  # an error status's exact JSON body (FastAPI, llama.cpp, Azure dialects)
    reasoning: str = ""  # stream: reasoning_content deltas sent before the content


@dataclass
class Recorded:
    """One request as the server saw it."""

    path: str
    headers: dict[str, str]  # lower-cased names
    raw: bytes
    body: Any  # decoded JSON, or None when the body was not JSON
    started: float = field(default_factory=time.monotonic)

    @property
    def stream(self) -> bool:
        return bool(isinstance(self.body, dict) and self.body.get("stream"))

    @property
    def prompt(self) -> str:
        """All message contents joined, for scripts that answer by the prompt."""
        if not isinstance(self.body, dict):
            return ""
        return "\n".join(str(m.get("content", "")) for m in self.body.get("messages", ()))


_BACKTICKED = re.compile(r"`([^`]+)`")


def auto_answer(request: Recorded) -> str:
    """A valid docgen answer for whatever unit the request asks about (for end-to-end runs).

    The unit kind comes from the ``response_format`` schema name, else from the JSON shape the
    system prompt shows; parameter and exception names from the ``"params"``/``"raises"`` lines of
    docgen's prompt. Russian prose when the prompt is Russian.
    """
    body = request.body if isinstance(request.body, dict) else {}
    prompt = request.prompt
    ru = bool(re.search(r"[а-яА-Я]", prompt))
    schema = ((body.get("response_format") or {}).get("json_schema") or {}).get("name", "")
    if not schema:
        schema = (
            "module_doc"
            if '"overview"' in prompt
            else ("class_doc" if '"attributes"' in prompt else "function_doc")
        )

    def names(field: str) -> list[str]:
        for line in prompt.splitlines():
            if line.startswith(f'- "{field}":'):
                return _BACKTICKED.findall(line)
        return []

    text = (
        "Эта часть кода выполняет свою задачу и возвращает результат вызывающему коду."
        if ru
        else "This part of the code does its job and gives the result back to its caller."
    )
    short = "значение, которое нужно для работы" if ru else "a value it needs to work"
    example = {"code": "print(1)", "description": short}
    if schema == "module_doc":
        answer: dict[str, Any] = {
            "title": "для работы с данными" if ru else "for working with data",
            "overview": text,
            "details": text,
            "steps": [text],
            "usage_example": example,
            "entry_point": text,
        }
    elif schema == "class_doc":
        answer = {
            "purpose": text,
            "details": text,
            "attributes": [
                {"name": n, "description": f"`{n}`: {short}"} for n in names("attributes")
            ],
            "examples": [example],
        }
    else:
        answer = {
            "purpose": text,
            "params": [{"name": n, "description": f"`{n}`: {short}"} for n in names("params")],
            "returns": short,
            "raises": [{"exception": n, "description": f"`{n}`: {short}"} for n in names("raises")],
            "steps": [text],
            "examples": [example],
        }
    return json.dumps(answer, ensure_ascii=False)


class FakeOpenAI:
    """An OpenAI-compatible HTTP server in this process (see the module docstring)."""

    def __init__(
        self,
        *,
        content: str | Callable[[Recorded], str] = '{"answer": "ok"}',
        script: Callable[[Recorded], Reply] | None = None,
        latency: float = 0.0,
        reject_response_format: bool = False,
        reject_stream_options: bool = False,
        ignore_stream_options: bool = False,
        lifetime: float = 300.0,
        model: str = "fake-model",
    ) -> None:
        self.content = content
        self.script = script
        self.latency = latency
        self.reject_response_format = reject_response_format
        self.reject_stream_options = reject_stream_options
        self.ignore_stream_options = ignore_stream_options
        self.model = model
        self.requests: list[Recorded] = []
        self.files: dict[str, bytes] = {}  # the Files API: id -> content
        self.batches: dict[str, dict[str, Any]] = {}  # the Batch API: id -> batch object
        self.batch_polls = 1  # retrieves that see "in_progress" before a batch completes
        self.in_flight = 0
        self.max_in_flight = 0
        self._queue: collections.deque[Reply] = collections.deque()
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._lifetime = lifetime
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self._thread: threading.Thread | None = None
        self._timer: threading.Timer | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> FakeOpenAI:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        self._timer = threading.Timer(self._lifetime, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self) -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        if self._timer is not None:
            self._timer.cancel()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- scripting ---------------------------------------------------------------------------

    def queue(self, *replies: Reply) -> None:
        """Answer the next requests with these replies, in order."""
        with self._lock:
            self._queue.extend(replies)

    def _decide(self, request: Recorded) -> Reply:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        if self.script is not None:
            return self.script(request)
        return Reply()

    def _content(self, request: Recorded, reply: Reply) -> str:
        if reply.content is not None:
            return reply.content
        return self.content(request) if callable(self.content) else self.content

    def _enter(self, request: Recorded) -> None:
        with self._lock:
            self.requests.append(request)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    # -- the Files and Batch APIs (their public wire format) -----------------------------------

    def _upload(self, request: Recorded) -> dict[str, Any]:
        """A multipart ``POST /v1/files``: the part named ``file`` is stored."""
        boundary = request.headers.get("content-type", "").split("boundary=")[-1].strip('"')
        content = b""
        for part in request.raw.split(b"--" + boundary.encode()):
            head, _, body = part.partition(b"\r\n\r\n")
            if b'name="file"' in head:
                content = body.removesuffix(b"\r\n")
        file_id = f"file-{len(self.files) + 1}"
        self.files[file_id] = content
        return {
            "id": file_id, "object": "file", "bytes": len(content), "created_at": 0,
            "filename": "requests.jsonl", "purpose": "batch", "status": "processed",
        }  # fmt: skip

    def _create_batch(self, body: dict[str, Any]) -> dict[str, Any]:
        batch_id = f"batch_{len(self.batches) + 1}"
        self.batches[batch_id] = {
            "id": batch_id, "object": "batch", "endpoint": body.get("endpoint"),
            "input_file_id": body.get("input_file_id"), "completion_window": "24h",
            "status": "in_progress", "output_file_id": None, "error_file_id": None,
            "created_at": int(time.time()), "polls": 0,
        }  # fmt: skip
        return self._public(batch_id)

    def _public(self, batch_id: str) -> dict[str, Any]:
        return {k: v for k, v in self.batches[batch_id].items() if k != "polls"}

    def _advance(self, batch_id: str) -> dict[str, Any]:
        """A retrieve: after ``batch_polls`` of them the batch runs every request and completes."""
        batch = self.batches[batch_id]
        batch["polls"] += 1
        if batch["status"] == "in_progress" and batch["polls"] > self.batch_polls:
            lines = self.files[batch["input_file_id"]].decode().splitlines()
            output = [self.answer_batch_line(json.loads(line)) for line in lines if line.strip()]
            file_id = f"file-{len(self.files) + 1}"
            self.files[file_id] = "".join(json.dumps(o) + "\n" for o in output).encode()
            batch.update(status="completed", output_file_id=file_id)
        return self._public(batch_id)

    def answer_batch_line(self, line: dict[str, Any]) -> dict[str, Any]:
        """One line of the Batch output format for one line of its input."""
        body = line.get("body") or {}
        request = Recorded(line.get("url", ""), {}, json.dumps(body).encode(), body)
        self.requests.append(request)
        reply = self._decide(request)
        if reply.status != 200:
            error = {"error": {"message": reply.error_message, "type": "server_error"}}
            response = {"status_code": reply.status, "request_id": "req", "body": error}
        else:
            text = self._content(request, reply)
            response = {"status_code": 200, "request_id": "req",
                        "body": _Handler._completion(None, self, reply, text)}  # fmt: skip
        return {"id": f"batch_req_{len(self.requests)}", "custom_id": line.get("custom_id"),
                "response": response, "error": None}  # fmt: skip

    def wait(self, seconds: float) -> bool:
        """Sleep unless the server stops first; True when it stopped."""
        return self._stopped.wait(seconds) if seconds > 0 else self._stopped.is_set()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    owner: FakeOpenAI


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # no 40 ms delayed-ACK stalls between small writes
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    # -- plumbing ----------------------------------------------------------------------------

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        kind = "invalid_request_error" if status < 500 else "server_error"
        payload = {"error": {"message": message, "type": kind, "param": None, "code": None}}
        self._send_json(status, payload, headers)

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _event(self, payload: Any) -> None:
        text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
        self._chunk(f"data: {text}\n\n".encode())

    # -- requests ----------------------------------------------------------------------------

    def do_GET(self) -> None:
        owner = self.server.owner
        path = self.path.rstrip("/")
        if path.endswith("/models"):
            self._send_json(200, {"object": "list", "data": [{"id": owner.model}]})
        elif "/files/" in path and path.endswith("/content"):
            file_id = path.split("/files/")[1].split("/")[0]
            if file_id not in owner.files:
                self._error(404, f"no file {file_id}")
                return
            self._send_json(200, owner.files[file_id])
        elif "/batches/" in path:
            batch_id = path.split("/batches/")[1]
            if batch_id not in owner.batches:
                self._error(404, f"no batch {batch_id}")
                return
            self._send_json(200, owner._advance(batch_id))
        else:
            self._error(404, "not found")

    def do_POST(self) -> None:
        owner = self.server.owner
        self.arrived = time.monotonic()
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        headers = {k.lower(): v for k, v in self.headers.items()}
        request = Recorded(self.path, headers, raw, body)
        owner._enter(request)
        try:
            self._serve(owner, request)
        except (ConnectionError, OSError):
            self.close_connection = True  # the client went away (a timeout); nothing to do
        finally:
            owner._leave()

    def _serve(self, owner: FakeOpenAI, request: Recorded) -> None:
        if self.path.rstrip("/").endswith("/files"):
            self._send_json(200, owner._upload(request))
            return
        if self.path.rstrip("/").endswith("/batches"):
            self._send_json(200, owner._create_batch(request.body or {}))
            return
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._error(404, f"no route {self.path}")
            return
        body = request.body if isinstance(request.body, dict) else {}
        reply = owner._decide(request)
        refused = (owner.reject_response_format and "response_format" in body) or (
            owner.reject_stream_options and "stream_options" in body
        )
        # An answer is written before the wait, which then lasts what is left of the latency:
        # the latency is the time to the first byte, not that plus this server's own work.
        text = owner._content(request, reply) if reply.status == 200 and not refused else ""
        latency = owner.latency + reply.latency - (time.monotonic() - self.arrived)
        if owner.wait(latency):
            self.close_connection = True
            return
        if owner.reject_response_format and "response_format" in body:
            self._error(400, "response_format is not supported by this server")
            return
        if owner.reject_stream_options and "stream_options" in body:
            self._error(400, "Unrecognized request argument supplied: stream_options")
            return
        if reply.status != 200:
            extra = {"Retry-After": reply.retry_after} if reply.retry_after is not None else {}
            if reply.body is not None:
                self._send_json(reply.status, reply.body, extra)
            else:
                self._error(reply.status, reply.error_message, extra)
            return
        want_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        if request.stream:
            self._stream(owner, reply, text, want_usage and not owner.ignore_stream_options)
        elif reply.raw is not None:
            self._send_json(200, reply.raw)
        else:
            self._send_json(200, self._completion(owner, reply, text))

    def _completion(self, owner: FakeOpenAI, reply: Reply, text: str) -> dict[str, Any]:
        prompt, completion = reply.usage
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": owner.model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text, "refusal": None},
                    "logprobs": None,
                    "finish_reason": reply.finish_reason,
                }
            ],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            },
        }

    def _stream(self, owner: FakeOpenAI, reply: Reply, text: str, usage: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        base = {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": owner.model,
        }
        if reply.comments:
            self._chunk(b": ping\n\n")
        if reply.raw is not None:
            self._chunk(b"data: " + reply.raw + b"\n\n")
            self._chunk(b"")
            return

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
            return {**base, "choices": [choice]}

        self._event(chunk({"role": "assistant", "content": ""}))
        for i in range(0, len(reply.reasoning), 40):
            self._event(chunk({"reasoning_content": reply.reasoning[i : i + 40], "content": None}))
        n = max(1, reply.chunks)
        size = max(1, -(-len(text) // n))
        pieces = [text[i : i + size] for i in range(0, len(text), size)] if text else []
        for i, piece in enumerate(pieces):
            if reply.disconnect_after is not None and i >= reply.disconnect_after:
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            if reply.error_event is not None and i == 1:
                self._event({"error": {"message": reply.error_event, "type": "server_error"}})
                self._chunk(b"")
                return
            self._event(chunk({"content": piece}))
            if reply.comments and i == 0:
                self._chunk(b": keep-alive\n\n")
            if reply.chunk_delay and owner.wait(reply.chunk_delay):
                self.close_connection = True
                return
        self._event(chunk({}, reply.finish_reason))
        if usage:
            prompt, completion = reply.usage
            tokens = {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            }
            self._event({**base, "choices": [], "usage": tokens})
        if reply.done:
            self._event("[DONE]")
        self._chunk(b"")  # the zero-length chunk ends the body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--content-file", help="file whose text is every answer (default: auto)")
    parser.add_argument("--chunks", type=int, default=6)
    parser.add_argument("--lifetime", type=float, default=600.0)
    args = parser.parse_args(argv)
    content: str | Callable[[Recorded], str] = auto_answer
    if args.content_file:
        with open(args.content_file, encoding="utf-8") as fh:
            content = fh.read()
    chunks = args.chunks
    server = FakeOpenAI(
        content=content,
        latency=args.latency,
        lifetime=args.lifetime,
        script=lambda _request: Reply(chunks=chunks),
    )
    with server:
        print(server.url, flush=True)
        sys.stdin.read()  # serve until the parent closes our stdin
        print(f"requests={len(server.requests)} max_in_flight={server.max_in_flight}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
