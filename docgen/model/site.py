"""Records of the render and site stages: a written module (``Written``), its pages, the home
page's entries (``Listed``), the manifest of an output folder and a run's ``Plan``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from docgen.model.code import ModuleInfo, Problem, SourceFile
from docgen.model.docs import Doc, Outcome
from docgen.model.graph import ModuleSymbols

__all__ = [
    "MANIFEST_VERSION",
    "Listed",
    "Manifest",
    "ManifestEntry",
    "Page",
    "PageKind",
    "PageQuality",
    "Plan",
    "SkippedEntry",
    "UnitQuality",
    "Written",
]


class PageKind(StrEnum):
    HOME = "home"
    QUALITY = "quality"
    ASSET = "asset"  # a script the site's pages use
    REFERENCE = "reference"
    USAGE = "usage"


@dataclass(frozen=True, slots=True)
class Written:
    """One file through the write stage: its module and docs (by uid) with each unit's outcome,
    or the problem that stopped it. ``pages`` holds the rendered pages when the writer rendered
    them next to the parse (offline runs, in the parser workers: their text then travels in
    ``packed``, compressed there, and the pages' own text is empty); the render stage fills
    them otherwise."""

    file: SourceFile
    module: ModuleInfo | None = None
    docs: Mapping[str, Doc] = field(default_factory=dict)
    outcomes: tuple[Outcome, ...] = ()
    problem: Problem | None = None
    pages: tuple[Page, ...] = ()
    source_hash: str = ""  # of the bytes extracted, for a file that gave a problem
    symbols: ModuleSymbols | None = None  # what the module adds to the project graph
    symbols_blob: bytes = b""  # ``symbols`` as the cache stores them, packed where rendered
    packed: tuple[bytes, ...] = ()  # the text of each page, zlib-compressed where rendered

    @property
    def complete(self) -> bool:
        """Every unit documented for good: a rerun has nothing to gain."""
        return all(o.settled for o in self.outcomes)


@dataclass(frozen=True, slots=True)
class UnitQuality:
    """One unit as its page shows it: whether it has a section, and what the section lacks, as
    codes: "section", "parameter:x", "returns", "raises:ValueError", "example"."""

    uid: str
    shown: bool
    missing: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PageQuality:
    """The figures of one module's pages (``docgen.render.quality``), kept in the manifest so
    ``docgen check`` can total them without a parse."""

    units: int  # public units, the module included
    shown: int  # of them with a section
    complete: int  # of them shown with nothing missing
    names: int  # backticked names in prose
    unknown: tuple[str, ...]  # of them not in the module, its imports or the builtins
    examples: int  # Python examples
    bad_examples: int  # of them that do not parse or read a name they never bind
    worst: tuple[UnitQuality, ...] = ()  # units with the most missing, a few
    sources: tuple[tuple[str, int], ...] = ()  # where the text came from: status -> units


@dataclass(frozen=True, slots=True)
class Page:
    kind: PageKind
    module: str  # dotted module name ("" for the home page)
    rel_path: str  # POSIX path under the output directory ("reference/pkg/mod.md")
    text: str  # Markdown
    source_hash: str = ""  # sha256 of the module file the page was made from
    title: str = ""  # the module's title, for the home page of later partial runs
    complete: bool = True  # False when a unit on it failed or fell back: rerun it next time
    quality: PageQuality | None = None  # on reference pages
    summary: str = ""  # the module's docstring, first sentence, for the home page and llms.txt
    counts: tuple[int, int] = (0, 0)  # classes, functions (methods included)
    depends: tuple[str, ...] = ()  # the modules its links and call-graph blocks point into


@dataclass(frozen=True, slots=True)
class Listed:
    """A module as the home page lists it: name, title, page paths, summary and counts."""

    name: str
    title: str
    reference: str
    usage: str
    summary: str = ""
    classes: int = 0
    functions: int = 0

    @property
    def uid(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """One page docgen wrote, as its manifest records it."""

    module: str
    kind: str
    source_hash: str  # sha256 of the module's source the page was made from ("" for home)
    sha256: str  # sha256 of the page as written
    title: str = ""  # the module's title (reference pages)
    complete: bool = True  # False: a unit on the page failed or fell back
    quality: PageQuality | None = None  # reference pages
    summary: str = ""  # reference pages: the docstring's first sentence
    counts: tuple[int, int] = (0, 0)  # reference pages: classes, functions
    depends: tuple[str, ...] = ()  # the modules its links and call-graph blocks point into


@dataclass(frozen=True, slots=True)
class SkippedEntry:
    """A file the last run made no page for, and why: its problem (a syntax error, a file too
    large) or that it holds nothing to document (``quiet``: empty or only comments). Recorded
    with the hash of the bytes read, so an unchanged file is neither parsed again nor missing."""

    source_hash: str
    path: str
    line: int | None
    reason: str
    quiet: bool = False

    @property
    def problem(self) -> Problem:
        return Problem(self.path, self.line, self.reason)


MANIFEST_VERSION = 1  # the manifest format this docgen writes and plans from


@dataclass(frozen=True, slots=True)
class Manifest:
    """What docgen wrote last time into one output folder, keyed by page path. ``lang`` and
    ``template_hash`` are the settings the pages were made with ("" when not recorded)."""

    version: int
    pages: Mapping[str, ManifestEntry]
    fingerprint: str = ""  # what else the pages depend on: docgen, templates, language, writer
    lang: str = ""
    template_hash: str = ""
    skipped: Mapping[str, SkippedEntry] = field(default_factory=dict)  # by module

    def by_module(self) -> dict[str, dict[str, tuple[str, ManifestEntry]]]:
        """Reference and usage pages by module, then by kind."""
        out: dict[str, dict[str, tuple[str, ManifestEntry]]] = {}
        for rel, entry in self.pages.items():
            if entry.module and entry.kind in (PageKind.REFERENCE, PageKind.USAGE):
                out.setdefault(entry.module, {})[entry.kind] = (rel, entry)
        return out

    def listed(self, modules: Iterable[str]) -> tuple[Listed, ...]:
        """The home page's entries for ``modules`` (carried over, so not rendered this run)."""
        pages = self.by_module()
        out = []
        for name in sorted(set(modules)):
            mine = pages.get(name, {})
            if set(mine) == {PageKind.REFERENCE, PageKind.USAGE}:
                ref_rel, ref = mine[PageKind.REFERENCE]
                usage = mine[PageKind.USAGE][0]
                out.append(Listed(name, ref.title, ref_rel, usage, ref.summary, *ref.counts))
        return tuple(out)


@dataclass(frozen=True, slots=True)
class Plan:
    """What a run must redo: the files to document, and the modules whose pages from the last
    run stay as they are (unchanged, or outside ``--changed-since``)."""

    todo: tuple[SourceFile, ...]
    carry: frozenset[str]
    fingerprint: str
    template_hash: str
