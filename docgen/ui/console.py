"""What a run shows the person running it: progress, warnings, errors and the closing summary.

:class:`Console` implements the :class:`~docgen.ui.progress.Progress` hooks. On a terminal it keeps
a rich live display — a bar with done/total, units in flight, cached and failed counts, tokens per
second and an ETA, and the tail of the text streaming in for each unit in flight — refreshed at a
bounded rate from a background thread. Off a terminal it prints plain lines, one per finished
unit, so logs and CI output stay readable. ``NO_COLOR`` turns colour off (rich honours it).

Verbosity: -1 (``-q``) shows only errors, warnings and the summary; 0 adds the live display on a
terminal or the per-unit lines elsewhere; 1 (``-v``) adds the per-unit lines on a terminal too,
plus retries and skipped units. Messages are English; the hooks never raise.
"""

from __future__ import annotations

import re
import sys
import threading
import time
from collections.abc import Mapping
from typing import Any, TextIO

from rich.console import Console as RichConsole
from rich.console import Group, RenderableType
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from docgen.model import DocSource, Documented, Failed, Problem, Skipped, UnitResult, Usage

__all__ = ["Console"]

TAIL_CHARS = 60  # streamed text shown per unit in flight
MAX_FLIGHT_LINES = 6
REFRESH_PER_SECOND = 8
_SPACE = re.compile(r"\s+")


class Console:
    """Progress hooks and one-line messages for a run; see the module docstring."""

    def __init__(
        self,
        *,
        verbosity: int = 0,
        stream: TextIO | None = None,
        force_terminal: bool | None = None,
    ) -> None:
        self.verbosity = verbosity
        self._stream = stream if stream is not None else sys.stderr
        self._rich = RichConsole(
            file=self._stream,
            force_terminal=force_terminal,
            highlight=False,
            markup=False,
            emoji=False,
        )
        self.is_terminal = self._rich.is_terminal and not self._rich.is_dumb_terminal
        self._lock = threading.RLock()
        self._live: Live | None = None
        self._total = 0
        self._cached_given = 0
        self._cached_seen = 0
        self._done = 0  # finished units that did not come from the cache
        self._failed = 0
        self._tokens = 0
        self._started = time.monotonic()
        self._flight: dict[str, str] = {}  # uid -> recent streamed text

    # ---------------------------------------------------------------------------------------
    # messages

    def info(self, msg: str) -> None:
        if self.verbosity >= 0:
            self._line(msg)

    def debug(self, msg: str) -> None:
        """A detail for ``-v``: what a stage took."""
        if self.verbosity > 0:
            self._line(msg, "dim")

    def warn(self, problem_or_msg: Problem | str) -> None:
        self._line(str(problem_or_msg), "yellow")

    def error(self, msg: str) -> None:
        self._line(f"error: {msg}", "bold red")

    def summary(self, report: Mapping[str, Any]) -> None:
        """Print the closing summary of a run: the mapping :meth:`RunReport.summary
        <docgen.ui.report.RunReport.summary>` returns."""
        if report["interrupted"]:
            self._line(
                "interrupted: the pages written so far are kept; run again to finish", "bold"
            )
        counts = ", ".join(
            f"{report[key]} {key}"
            for key in _COUNTS
            if report[key] or key in ("documented", "failed")
        )
        self._line(f"units {report['units']}: {counts}", "bold")
        self._line(
            f"modules {report['modules']} documented, {report['modules_unchanged']} unchanged;"
            f" pages {report['pages_written']} written, {report['pages_removed']} removed"
        )
        self._line(
            f"requests {report['requests']}, retries {report['retries']}, tokens"
            f" {report['prompt_tokens']} prompt + {report['completion_tokens']} completion,"
            f" wall time {report['wall_time']:.1f} s"
        )
        if report["quality"]:
            self._line(report["quality"])
        if report.get("budget"):
            self._line(f"{report['budget']} units not asked: {report['budget_reason']}", "yellow")
        if report["failures"]:
            self._line("failed:", "bold red")
            by_reason: dict[str, list[str]] = {}
            for failure in report["failures"]:
                by_reason.setdefault(failure["reason"], []).append(failure["uid"])
            for reason, uids in by_reason.items():
                if len(uids) > 3:  # one cause (a dead endpoint): one line, not one per unit
                    shown = ", ".join(uids[:2])
                    self._line(f"  {len(uids)} units ({shown}, …): {reason}", "red")
                else:
                    for uid in uids:
                        self._line(f"  {uid}: {reason}", "red")

    # ---------------------------------------------------------------------------------------
    # Progress hooks

    def begin(self, total: int, *, cached: int = 0) -> None:
        with self._lock:
            self._total = total
            self._cached_given = cached
            self._started = time.monotonic()
        if self.is_terminal and self.verbosity >= 0 and self._live is None:
            self._live = Live(
                self,
                console=self._rich,
                refresh_per_second=REFRESH_PER_SECOND,
                transient=False,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._live.start()

    def unit_started(self, uid: str) -> None:
        with self._lock:
            self._flight[uid] = ""

    def unit_text(self, uid: str, delta: str) -> None:
        if self._live is None:  # only the live display shows it; called for every stream chunk
            return
        with self._lock:
            tail = self._flight.get(uid, "") + delta
            self._flight[uid] = tail[-4 * TAIL_CHARS :]

    def unit_retry(self, uid: str, reason: str, delay: float) -> None:
        with self._lock:
            if uid in self._flight:
                self._flight[uid] = f"(retry in {delay:.0f} s: {reason}) "
        if self.verbosity >= 1:
            self._line(f"retry {uid} in {delay:.1f} s: {reason}", "yellow")

    def unit_finished(self, result: UnitResult, usage: Usage) -> None:
        cached = isinstance(result, Documented) and result.source is DocSource.CACHED
        with self._lock:
            self._flight.pop(result.uid, None)
            self._tokens += usage.completion_tokens
            if cached:
                self._cached_seen += 1
            else:
                self._done += 1
            if isinstance(result, Failed):
                self._failed += 1
        line, style = _describe(result, usage)
        if isinstance(result, Failed):
            show = self.verbosity >= 0
        elif isinstance(result, Skipped):
            show = self.verbosity >= 1
        else:
            show = self.verbosity >= 1 or (self.verbosity >= 0 and not self.is_terminal)
        if show:
            self._line(line, style)

    def end(self) -> None:
        with self._lock:
            self._flight.clear()
        if self._live is not None:
            self._live.stop()
            self._live = None

    def refresh(self) -> None:
        """Redraw the live display now (it also redraws itself a few times a second)."""
        if self._live is not None:
            self._live.refresh()

    # ---------------------------------------------------------------------------------------
    # drawing

    def __rich__(self) -> RenderableType:
        with self._lock:
            cached = max(self._cached_given, self._cached_seen)
            done = min(cached + self._done, self._total) if self._total else cached + self._done
            elapsed = max(time.monotonic() - self._started, 1e-6)
            rate = self._tokens / elapsed
            eta = "-:--:--"
            if self._done and self._total > done:
                eta = _clock((self._total - done) * elapsed / self._done)
            elif self._total and done >= self._total:
                eta = _clock(0)
            stats = (
                f" {done}/{self._total}  {len(self._flight)} in flight  {cached} cached"
                f"  {self._failed} failed  {rate:.0f} tok/s  ETA {eta}"
            )
            flight = list(self._flight.items())
        bar = Table.grid(padding=0, expand=True)
        bar.add_column(ratio=1, min_width=10, max_width=40)
        bar.add_column(no_wrap=True)
        bar.add_row(
            ProgressBar(total=max(self._total, 1), completed=done),
            Text(stats, no_wrap=True, overflow="ellipsis"),
        )
        lines: list[RenderableType] = [bar]
        for uid, text in flight[:MAX_FLIGHT_LINES]:
            tail = _SPACE.sub(" ", text).strip()[-TAIL_CHARS:]
            row = Text(no_wrap=True, overflow="ellipsis")
            row.append(f"  {uid}", style="cyan")
            row.append(f"  {tail}", style="dim")
            lines.append(row)
        if len(flight) > MAX_FLIGHT_LINES:
            lines.append(Text(f"  … {len(flight) - MAX_FLIGHT_LINES} more", style="dim"))
        return Group(*lines)

    def _line(self, text: str, style: str = "") -> None:
        try:
            if self.is_terminal:
                self._rich.print(Text(text, style=style), soft_wrap=True)
            else:
                self._stream.write(text + "\n")
                self._stream.flush()
        except (OSError, ValueError):
            pass  # a closed or broken stream must not end the run


_COUNTS = ("documented", "cached", "offline", "fallback", "failed", "budget", "skipped")


def _describe(result: UnitResult, usage: Usage) -> tuple[str, str]:
    if isinstance(result, Failed) and result.status == "budget":
        return f"not asked {result.uid}: {result.reason}", "yellow"
    if isinstance(result, Failed):
        return f"FAILED {result.uid}: {result.reason}", "red"
    if isinstance(result, Skipped):
        return f"skipped {result.uid}: {result.reason}", "dim"
    detail = str(result.source)
    if usage.completion_tokens:
        detail += f", {usage.completion_tokens} tok"
    if result.source is DocSource.FALLBACK and result.reason:
        detail += f": {result.reason}"
    style = "yellow" if result.source is DocSource.FALLBACK else "green"
    return f"done {result.uid} ({detail})", style


def _clock(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
