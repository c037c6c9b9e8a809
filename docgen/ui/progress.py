"""Progress events from the write stage to whatever shows them.

The writers call these hooks; :mod:`docgen.ui.console` implements them with a rich live display on a
terminal and plain lines elsewhere, and tests record them. Hooks must be cheap and never raise.
"""

from __future__ import annotations

from typing import Protocol

from docgen.model import UnitResult, Usage


class Progress(Protocol):
    def begin(self, total: int, *, cached: int = 0) -> None:
        """``total`` units will be written; ``cached`` of them came from the cache."""

    def unit_started(self, uid: str) -> None:
        """A request for this unit is in flight."""

    def unit_text(self, uid: str, delta: str) -> None:
        """More streamed text arrived for this unit."""

    def unit_retry(self, uid: str, reason: str, delay: float) -> None:
        """A request failed and will be retried after ``delay`` seconds."""

    def unit_finished(self, result: UnitResult, usage: Usage) -> None:
        """The unit is done (documented, fallback, failed or skipped)."""

    def end(self) -> None:
        """The write stage is over."""


class NullProgress:
    """Shows nothing."""

    def begin(self, total: int, *, cached: int = 0) -> None:
        pass

    def unit_started(self, uid: str) -> None:
        pass

    def unit_text(self, uid: str, delta: str) -> None:
        pass

    def unit_retry(self, uid: str, reason: str, delay: float) -> None:
        pass

    def unit_finished(self, result: UnitResult, usage: Usage) -> None:
        pass

    def end(self) -> None:
        pass
