"""The documentation's quality over a run or a site: the pages' figures totalled, and the gate.

Each reference page carries its figures (:class:`~docgen.model.PageQuality`, measured by
:mod:`docgen.render.quality` and kept in the manifest); :func:`total` adds them up for the
console line, ``--format json``, the site's quality page and ``docgen check``'s thresholds.
Shares are percentages; a figure with nothing to count is 100.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from docgen.model import PageQuality, UnitQuality

__all__ = ["GATES", "ModuleQuality", "QualityReport", "total"]

WORST = 20  # units named in a report

# gate name -> (figure, "min" or "max")
GATES = {
    "min_coverage": ("coverage", "min"),
    "min_complete": ("complete", "min"),
    "min_examples": ("examples", "min"),
    "min_names": ("names", "min"),
    "max_fallback": ("fallback", "max"),
}


def _share(part: int, whole: int) -> float:
    return 100.0 if whole == 0 else round(100.0 * part / whole, 1)


@dataclass(frozen=True, slots=True)
class ModuleQuality:
    module: str
    page: str  # the reference page's path under the output folder
    figures: PageQuality

    @property
    def package(self) -> str:
        """The top-level package, the quality page's grouping."""
        return self.module.split(".")[0]

    def share(self, figure: str) -> float:
        return _figures(self.figures)[figure]


def _figures(q: PageQuality) -> dict[str, float]:
    sources = dict(q.sources)
    units = sum(sources.values())
    return {
        "coverage": _share(q.shown, q.units),
        "complete": _share(q.complete, q.units),
        "names": _share(q.names - len(q.unknown), q.names),
        "examples": _share(q.examples - q.bad_examples, q.examples),
        "fallback": 0.0 if units == 0 else round(100.0 * sources.get("fallback", 0) / units, 1),
    }


@dataclass(frozen=True, slots=True)
class QualityReport:
    """The figures of many modules together, and the units and modules that fall short."""

    modules: tuple[ModuleQuality, ...]
    figures: Mapping[str, float]
    counts: Mapping[str, int]
    sources: Mapping[str, int]
    worst: tuple[tuple[str, UnitQuality], ...]  # (module, unit), most missing first
    unknown: tuple[tuple[str, str], ...]  # (module, name)

    def line(self) -> str:
        """The console's one line."""
        f, c = self.figures, self.counts
        made = ", ".join(f"{n} {status}" for status, n in sorted(self.sources.items()))
        return (
            f"quality: coverage {f['coverage']:g}% ({c['shown']}/{c['units']} units),"
            f" complete {f['complete']:g}%, names known {f['names']:g}%"
            f" ({c['unknown']} unknown), examples self-contained {f['examples']:g}%"
            f" ({c['bad_examples']}/{c['examples']} not); text: {made or 'none'}"
        )

    def failing(self, gates: Mapping[str, float | None]) -> list[str]:
        """One line per gate the figures miss (``gates`` maps a :data:`GATES` key to a
        percentage, None for no gate)."""
        out = []
        for key, limit in gates.items():
            if limit is None:
                continue
            figure, side = GATES[key]
            value = self.figures[figure]
            if (side == "min" and value < limit) or (side == "max" and value > limit):
                worst = sorted(self.modules, key=lambda m: m.share(figure), reverse=side == "max")
                names = ", ".join(f"{m.module} ({m.share(figure):g}%)" for m in worst[:5])
                word = "at least" if side == "min" else "at most"
                out.append(f"{figure} {value:g}% (wanted {word} {limit:g}%); worst: {names}")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.figures,
            "counts": dict(self.counts),
            "sources": dict(self.sources),
            "worst_units": [
                {"module": m, "uid": u.uid, "missing": list(u.missing)} for m, u in self.worst
            ],
            "unknown_names": [{"module": m, "name": n} for m, n in self.unknown],
        }


def total(modules: Iterable[ModuleQuality]) -> QualityReport:
    """Add up the figures of ``modules``."""
    ordered = tuple(sorted(modules, key=lambda m: m.module))
    counts: Counter[str] = Counter()
    sources: Counter[str] = Counter()
    worst: list[tuple[str, UnitQuality]] = []
    unknown: list[tuple[str, str]] = []
    for m in ordered:
        q = m.figures
        counts.update(
            units=q.units,
            shown=q.shown,
            complete=q.complete,
            names=q.names,
            unknown=len(q.unknown),
            examples=q.examples,
            bad_examples=q.bad_examples,
        )
        sources.update(dict(q.sources))
        worst += [(m.module, u) for u in q.worst]
        unknown += [(m.module, n) for n in q.unknown]
    whole = PageQuality(
        units=counts["units"],
        shown=counts["shown"],
        complete=counts["complete"],
        names=counts["names"],
        unknown=tuple(n for _, n in unknown),
        examples=counts["examples"],
        bad_examples=counts["bad_examples"],
        sources=tuple(sources.items()),
    )
    worst.sort(key=lambda pair: (-len(pair[1].missing), pair[0], pair[1].uid))
    keys = ("units", "shown", "complete", "names", "unknown", "examples", "bad_examples")
    return QualityReport(
        modules=ordered,
        figures=_figures(whole),
        counts={k: counts[k] for k in keys},
        sources=dict(sources),
        worst=tuple(worst[:WORST]),
        unknown=tuple(unknown[:WORST]),
    )
