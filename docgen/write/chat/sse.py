"""Server-sent events of a streamed chat completion, decoded as the bytes arrive.

Hand-written rather than a library (httpx-sse, the openai package's own ``Stream``) because it is
on the hot path of every answer: building a pydantic object per chunk cost more than the whole
5 ms client CPU budget per request measured by ``bench/bench_chat.py``; this decoder reads only
the fields docgen uses (content deltas, finish reason, usage, in-stream errors).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import jiter

__all__ = ["EventStream", "StreamError"]

_DECODER = json.JSONDecoder()


class StreamError(Exception):
    """The stream held a malformed event or an error event: the request is worth retrying."""


class EventStream:
    """An incremental decoder of a chat completion event stream (the fields docgen reads)."""

    __slots__ = (
        "_buffer",
        "_crlf",
        "_data",
        "_uid",
        "_unit_text",
        "done",
        "finish_reason",
        "parts",
        "usage",
    )

    def __init__(self, uid: str, unit_text: Callable[[str, str], None]) -> None:
        self._uid = uid
        self._unit_text = unit_text
        self._buffer = b""
        self._crlf = False  # seen a CR: read line by line from then on
        self._data: list[str] = []
        self.parts: list[str] = []
        self.finish_reason: str | None = None
        self.usage: tuple[int, int] | None = None
        self.done = False

    def feed(self, block: bytes) -> bool:
        """Take more bytes; True once ``data: [DONE]`` arrived."""
        if self._crlf or self._data or b"\r" in block:
            self._crlf = True
            return self._lines(block)
        if b"\n" not in block:  # a long line arriving in pieces: no rescans of the buffer
            self._buffer += block
            return False
        # The usual case: events of one ``data:`` line each, split on the blank line between
        # them. bench/bench_chat.py: 5 us a chunk against 15 us line by line, which mattered
        # at 300 chunks an answer.
        *events, self._buffer = (self._buffer + block).split(b"\n\n")
        for raw in events:
            if raw.startswith(b"data:") and b"\n" not in raw:
                data = raw[6:] if raw[5:6] == b" " else raw[5:]
                if self._event_bytes(data):
                    return True
                continue
            for line in raw.split(b"\n"):  # comments, other fields, multi-line data
                if self._line(line.decode("utf-8", "replace")):
                    return True
            if self._line(""):  # the blank line that ended this event
                return True
        return False

    def _lines(self, block: bytes) -> bool:
        """Line by line: CRLF line ends, and whatever an earlier block left pending."""
        *lines, self._buffer = (self._buffer + block).split(b"\n")
        return any(self._line(raw.rstrip(b"\r").decode("utf-8", "replace")) for raw in lines)

    def finish(self) -> None:
        """The body ended (with or without ``[DONE]``): flush what is pending."""
        if self._buffer:
            for raw in self._buffer.split(b"\n"):
                self._line(raw.rstrip(b"\r").decode("utf-8", "replace"))
            self._buffer = b""
        self._line("")

    def _line(self, line: str) -> bool:
        if not line:
            if self._data:
                data = "\n".join(self._data)
                self._data = []
                return self._event(data)
            return False
        if line.startswith(":"):
            return False  # an SSE comment (keep-alive)
        field, _, value = line.partition(":")
        if field == "data":
            self._data.append(value[1:] if value.startswith(" ") else value)
        return False

    def _event_bytes(self, data: bytes) -> bool:
        """One event's data as it came: jiter reads the bytes at once, 1.9 us a chunk against
        5.2 for decoding them and json's raw_decode; anything it refuses (``[DONE]``, invalid
        UTF-8, malformed JSON) takes the tolerant path below."""
        try:
            chunk = jiter.from_json(data)
        except ValueError:
            return self._event(data.decode("utf-8", "replace"))
        return self._take(chunk)

    def _event(self, data: str) -> bool:
        if data.strip() == "[DONE]":
            self.done = True
            return True
        try:
            # raw_decode skips json.loads' two whitespace scans: 2.8 us against 4.3 a chunk
            data = data.strip()
            chunk, end = _DECODER.raw_decode(data)
        except ValueError:
            raise StreamError("malformed event in the stream") from None
        if end != len(data):
            raise StreamError("malformed event in the stream")
        return self._take(chunk)

    def _take(self, chunk: Any) -> bool:
        if not isinstance(chunk, dict):
            raise StreamError("malformed event in the stream")
        error = chunk.get("error")
        if error:
            detail = error.get("message") if isinstance(error, dict) else error
            raise StreamError(f"error event from the server: {detail or 'unknown error'}")
        usage = chunk.get("usage")
        if isinstance(usage, dict) and usage.get("prompt_tokens") is not None:
            self.usage = (
                int(usage.get("prompt_tokens") or 0),
                int(usage.get("completion_tokens") or 0),
            )
        for choice in chunk.get("choices") or ():
            if not isinstance(choice, dict):
                continue
            delta = choice.get("delta") or choice.get("message") or {}
            content = delta.get("content") if isinstance(delta, dict) else None
            if isinstance(content, str) and content:
                self.parts.append(content)
                self._unit_text(self._uid, content)
            if choice.get("finish_reason"):
                self.finish_reason = str(choice["finish_reason"])
        return False
