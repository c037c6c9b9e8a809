"""Conversation history with a size limit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Literal

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class Message:
    """One message of a conversation."""

    role: Role
    content: str

    def as_dict(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


class History:
    """The messages exchanged so far, oldest first, at most ``limit`` of them.

    The system prompt, when given, is always kept.
    """

    def __init__(self, system: str | None = None, limit: int = 20) -> None:
        if limit < 1:
            raise ValueError("limit must be positive")
        self._system = Message("system", system) if system else None
        self._messages: list[Message] = []
        self.limit = limit

    @property
    def size(self) -> int:
        """How many messages are stored, the system prompt excluded."""
        return len(self._messages)

    def add(self, role: Role, content: str) -> Message:
        """Append a message, dropping the oldest ones beyond the limit."""
        message = Message(role, content)
        self._messages.append(message)
        while len(self._messages) > self.limit:
            self._messages.pop(0)
        return message

    def clear(self) -> None:
        self._messages.clear()

    def __iter__(self) -> Iterator[Message]:
        if self._system is not None:
            yield self._system
        yield from self._messages

    def to_request(self) -> list[dict[str, str]]:
        """The history in the shape the chat completions API expects."""
        return [message.as_dict() for message in self]
