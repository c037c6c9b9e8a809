"""Tests for docgen.console: what a run shows on a terminal, in plain mode and with -q."""

from __future__ import annotations

import io
import re

import pytest

from docgen.model import (
    DocSource,
    Documented,
    Failed,
    ModuleDoc,
    Outcome,
    Problem,
    Skipped,
    Usage,
)
from docgen.ui.console import Console
from docgen.ui.report import RunReport

DOC = ModuleDoc(title="t", overview="o", details="", steps=(), usage_example=None)
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def plain(text: str) -> str:
    return ANSI.sub("", text)


def run_units(console: Console) -> None:
    console.begin(4, cached=1)
    console.unit_started("pkg.mod:func")
    console.unit_text("pkg.mod:func", "Функция считает\nсумму [bold]чисел[/bold]")
    console.unit_finished(Documented("pkg.mod:func", DOC, DocSource.MODEL), Usage(100, 812, 1, 0))
    console.unit_started("pkg.mod:f")
    console.unit_retry("pkg.mod:f", "HTTP 429", 2.0)
    console.unit_finished(Failed("pkg.mod:f", "timeout after 5 attempts"), Usage(0, 0, 5, 4))
    console.unit_finished(Skipped("pkg.mod:g", "unchanged"), Usage())
    console.end()


def test_plain_mode_prints_one_line_per_finished_unit() -> None:
    out = io.StringIO()
    console = Console(verbosity=0, stream=out, force_terminal=False)
    assert not console.is_terminal
    run_units(console)
    assert out.getvalue() == (
        "done pkg.mod:func (model, 812 tok)\nFAILED pkg.mod:f: timeout after 5 attempts\n"
    )


def test_streamed_text_is_kept_only_for_a_live_display() -> None:
    """Every stream chunk reaches ``unit_text``: without a live display nothing shows the text,
    so none is kept."""
    console = Console(verbosity=0, stream=io.StringIO(), force_terminal=False)
    console.begin(1)
    console.unit_started("pkg.mod:func")
    console.unit_text("pkg.mod:func", "Функция считает")
    assert console._flight == {"pkg.mod:func": ""}
    live = Console(verbosity=0, stream=io.StringIO(), force_terminal=True)
    live.begin(1)
    live.unit_started("pkg.mod:func")
    live.unit_text("pkg.mod:func", "Функция считает")
    assert live._flight == {"pkg.mod:func": "Функция считает"}
    live.end()


def test_plain_verbose_adds_retries_and_skips() -> None:
    out = io.StringIO()
    run_units(Console(verbosity=1, stream=out, force_terminal=False))
    lines = out.getvalue().splitlines()
    assert "retry pkg.mod:f in 2.0 s: HTTP 429" in lines
    assert "skipped pkg.mod:g: unchanged" in lines


def test_quiet_shows_only_warnings_errors_and_summary() -> None:
    out = io.StringIO()
    console = Console(verbosity=-1, stream=out, force_terminal=False)
    console.info("reading 3 files")
    run_units(console)
    console.warn(Problem("src/a.py", 3, "syntax error"))
    console.error("mkdocs.yml: cannot parse")
    console.summary(report([Outcome("pkg.mod:f", "failed", "timeout")]).summary())
    text = out.getvalue()
    assert "reading" not in text and "done" not in text
    assert "src/a.py:3: syntax error\n" in text
    assert "error: mkdocs.yml: cannot parse\n" in text
    assert "  pkg.mod:f: timeout\n" in text


def test_live_display_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    out = io.StringIO()
    console = Console(verbosity=0, stream=out, force_terminal=True)
    assert console.is_terminal
    console.begin(3, cached=1)
    console.unit_started("pkg.mod:func")
    long_text = "начало " + "x" * 100 + " конец\nтекста"
    console.unit_text("pkg.mod:func", long_text)
    for i in range(8):
        console.unit_started(f"pkg.other:u{i}")
    console.refresh()
    frame = plain(out.getvalue())
    assert "1/3" in frame and "9 in flight" in frame and "1 cached" in frame
    assert "tok/s" in frame and "ETA" in frame
    assert "pkg.mod:func" in frame and "конец текста" in frame
    assert "начало" not in frame  # only the tail of the streamed text
    assert "pkg.other:u4" in frame and "pkg.other:u5" not in frame  # at most 6 lines
    assert "… 3 more" in frame
    assert "\x1b[" in out.getvalue()  # colour and cursor control

    console.unit_finished(Documented("pkg.mod:func", DOC, DocSource.MODEL), Usage(10, 50, 1))
    console.unit_finished(Failed("pkg.other:u0", "bad json"), Usage())
    console.end()
    text = plain(out.getvalue())
    assert "done pkg.mod:func" not in text  # per-unit lines only with -v on a terminal
    assert "FAILED pkg.other:u0: bad json" in text
    assert "3/3" in text and "1 failed" in text


def test_verbose_terminal_adds_unit_lines() -> None:
    out = io.StringIO()
    run_units(Console(verbosity=1, stream=out, force_terminal=True))
    assert "done pkg.mod:func (model, 812 tok)" in plain(out.getvalue())


def test_no_color_keeps_the_display_without_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    out = io.StringIO()
    console = Console(verbosity=0, stream=out, force_terminal=True)
    console.warn("careful")
    assert out.getvalue() == "careful\n"


def report(outcomes: list[Outcome], **fields) -> RunReport:
    values = dict(
        results=tuple(outcomes),
        problems=(),
        files=3,
        modules=2,
        modules_skipped=1,
        pages_written=("a.md",),
        pages_removed=(),
        wall_seconds=3.21,
        writer="model",
    )
    return RunReport(**{**values, **fields})  # fmt: skip


def test_summary_lists_counts_usage_and_failures() -> None:
    out = io.StringIO()
    outcomes = [
        Outcome(f"pkg.mod:d{i}", "documented", usage=Usage(100, 80, 1, 0)) for i in range(8)
    ]
    outcomes += [
        Outcome("pkg.mod:c", "cached"),
        Outcome("pkg.mod:b", "fallback", "invalid answer", Usage(200, 160, 2, 1)),
        Outcome("pkg.mod:f", "failed", "timeout", Usage(200, 0, 1, 1)),
        Outcome("pkg.mod:s", "skipped", "overload"),
    ]
    Console(verbosity=0, stream=out, force_terminal=False).summary(report(outcomes).summary())
    assert out.getvalue() == (
        "units 12: 8 documented, 1 cached, 1 fallback, 1 failed, 1 skipped\n"
        "modules 2 documented, 1 unchanged; pages 1 written, 0 removed\n"
        "requests 11, retries 2, tokens 1200 prompt + 800 completion, wall time 3.2 s\n"
        "failed:\n"
        "  pkg.mod:f: timeout\n"
    )


def test_markup_in_text_is_shown_literally() -> None:
    out = io.StringIO()
    console = Console(verbosity=0, stream=out, force_terminal=True)
    console.info("pkg.mod:f[T] [bold]x[/bold]")
    assert "pkg.mod:f[T] [bold]x[/bold]" in plain(out.getvalue())
