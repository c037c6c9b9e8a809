"""The run report: every unit's result and every input problem, totalled.

The report decides the exit code and is what ``--format json`` prints. It is built once, at the
end of a run (or at an interruption), from values the stages returned; nothing in it is an
exception.

Exit codes:

    0    every unit documented (model, cache or offline writer)
    1    nothing could be documented, a problem with the input under ``--strict``, a stale page
         for ``docgen check``, or an error that stopped the run (bad flag, missing path, config)
    2    some units failed, or were not asked because the spending cap was reached: their pages
         show their previous or the offline writer's content instead
    130  interrupted (Ctrl-C / SIGTERM); what was finished is kept
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from docgen.model import Outcome, Problem, Usage
from docgen.ui.quality import QualityReport

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_UNITS_FAILED = 2
EXIT_INTERRUPTED = 130


_NO_USAGE = Usage()


@dataclass(frozen=True, slots=True)
class RunReport:
    results: tuple[Outcome, ...]
    problems: tuple[Problem, ...]
    files: int  # files discovered
    modules: int  # modules extracted (from source or cache)
    modules_skipped: int  # unchanged since the last run: not even re-read
    pages_written: tuple[str, ...]
    pages_removed: tuple[str, ...]
    wall_seconds: float
    writer: str  # "offline" or "model"
    interrupted: bool = False
    strict: bool = False
    quality: QualityReport | None = None  # the site's pages, this run's and carried ones
    nav: tuple[Any, ...] = ()  # the site's nav (for the MkDocs plugin, which sets it)

    @property
    def usage(self) -> Usage:
        """The run's token and request totals (an offline run's 60,000 units add up zeros:
        summed field by field, not one ``Usage`` made per unit)."""
        used = [r.usage for r in self.results if r.usage != _NO_USAGE]
        return Usage(
            sum(u.prompt_tokens for u in used),
            sum(u.completion_tokens for u in used),
            sum(u.requests for u in used),
            sum(u.retries for u in used),
        )

    def counts(self) -> dict[str, int]:
        counter = Counter(r.status for r in self.results)
        keys = ("documented", "cached", "offline", "fallback", "failed", "budget", "skipped")
        return {key: counter.get(key, 0) for key in keys}

    def failures(self) -> tuple[Outcome, ...]:
        return tuple(r for r in self.results if r.status == "failed")

    def fallbacks(self) -> tuple[Outcome, ...]:
        return tuple(r for r in self.results if r.status == "fallback")

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return EXIT_INTERRUPTED
        if self.files and not self.modules and not self.modules_skipped:
            return EXIT_ERROR
        if self.strict and self.problems:
            return EXIT_ERROR
        if self.failures() or any(r.status == "budget" for r in self.results):
            return EXIT_UNITS_FAILED
        return EXIT_OK

    def summary(self) -> dict[str, Any]:
        """The totals the console's closing summary shows."""
        usage = self.usage
        return {
            "units": len(self.results),
            **self.counts(),
            "requests": usage.requests,
            "retries": usage.retries,
            "prompt_tokens": usage.prompt_tokens,
            "completion_tokens": usage.completion_tokens,
            "wall_time": self.wall_seconds,
            "modules": self.modules,
            "modules_unchanged": self.modules_skipped,
            "pages_written": len(self.pages_written),
            "pages_removed": len(self.pages_removed),
            "failures": [{"uid": f.uid, "reason": f.reason} for f in self.failures()],
            "budget_reason": next((r.reason for r in self.results if r.status == "budget"), ""),
            "interrupted": self.interrupted,
            "quality": self.quality.line() if self.quality else "",
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON report (``--format json``). Holds no secret: results carry no request data."""
        usage = self.usage
        return {
            "exit_code": self.exit_code,
            "writer": self.writer,
            "interrupted": self.interrupted,
            "files": self.files,
            "modules": self.modules,
            "modules_unchanged": self.modules_skipped,
            "counts": self.counts(),
            "units": [
                {
                    "uid": r.uid,
                    "status": r.status,
                    **({"reason": r.reason} if r.reason else {}),
                    "prompt_tokens": r.usage.prompt_tokens,
                    "completion_tokens": r.usage.completion_tokens,
                    "requests": r.usage.requests,
                }
                for r in self.results
            ],
            "requests": usage.requests,
            "retries": usage.retries,
            "prompt_tokens": usage.prompt_tokens,
            "completion_tokens": usage.completion_tokens,
            "failures": [{"uid": f.uid, "reason": f.reason} for f in self.failures()],
            "fallbacks": [{"uid": f.uid, "reason": f.reason} for f in self.fallbacks()],
            "problems": [
                {"path": p.path, "line": p.line, "reason": p.reason} for p in self.problems
            ],
            "pages_written": list(self.pages_written),
            "pages_removed": list(self.pages_removed),
            "wall_seconds": round(self.wall_seconds, 3),
            "quality": self.quality.to_dict() if self.quality else None,
        }
