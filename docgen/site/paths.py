"""Where each page lives under the output folder."""

from __future__ import annotations

from pathlib import PurePosixPath

from docgen.model import PageKind

__all__ = [
    "HOME_PAGE",
    "LLMS_FULL",
    "LLMS_TXT",
    "MERMAID_SCRIPT",
    "QUALITY_PAGE",
    "SECTIONS",
    "TABLESORT_LIBRARY",
    "TABLESORT_SCRIPT",
    "page_path",
    "safe_rel",
]

HOME_PAGE = "index.md"
QUALITY_PAGE = "quality.md"
LLMS_TXT = "llms.txt"  # llmstxt.org: what the site holds, for coding agents
LLMS_FULL = "llms-full.txt"  # every reference page's Markdown, in nav order
MERMAID_SCRIPT = "javascripts/mermaid.min.js"  # --mermaid-js: the diagrams' script, offline
TABLESORT_SCRIPT = "javascripts/docgen-tablesort.js"  # sorts the quality page's tables
TABLESORT_LIBRARY = "https://unpkg.com/tablesort@5.3.0/dist/tablesort.min.js"
SECTIONS = {PageKind.REFERENCE: "reference", PageKind.USAGE: "usage"}
_SPECIAL_STEMS = frozenset({"index", "readme"})  # MkDocs maps both to the folder's URL


def page_path(module: str, kind: PageKind, *, is_package: bool) -> str:
    """The POSIX path of a page under the output folder.

    * the home page is ``index.md``;
    * reference pages live under ``reference/``, usage notes under ``usage/``, one folder per
      package: module ``pkg.sub.mod`` is ``reference/pkg/sub/mod.md`` and package ``pkg.sub``
      (its ``__init__``) is ``reference/pkg/sub/index.md``, the index of its own folder (so
      MkDocs' ``navigation.indexes`` makes the section clickable);
    * every name segment is escaped: ``~`` is doubled, and a segment that MkDocs would read as a
      folder index (``index``, ``README``, in any case) gets a trailing ``~``: module
      ``pkg.index`` is ``reference/pkg/index~.md``. Escaping is one-to-one, so no module can
      land on a package page, on another module's page, or on the home page, and with
      ``use_directory_urls`` every page keeps its own URL (``reference/pkg/index~/``).

    Module names are unique (discovery sees to it), which keeps a module ``a.b`` (``a/b.md``)
    and a package ``a.b`` (``a/b/index.md``) from both existing. Names that differ only in
    letter case still clash on a case-insensitive file system.
    """
    if kind is PageKind.HOME:
        return HOME_PAGE
    if kind is PageKind.QUALITY:
        return QUALITY_PAGE
    parts = module.split(".")
    if not module or not all(parts):
        raise ValueError(f"not a module name: {module!r}")
    folder = [SECTIONS[kind], *(_escape(p) for p in parts)]
    if is_package:
        return "/".join([*folder, "index.md"])
    return "/".join(folder) + ".md"


def _escape(segment: str) -> str:
    escaped = segment.replace("~", "~~")
    return escaped + "~" if segment.lower() in _SPECIAL_STEMS else escaped


def safe_rel(rel: str) -> bool:
    """A relative POSIX path that stays inside the output folder."""
    pure = PurePosixPath(rel)
    return bool(rel) and not pure.is_absolute() and ".." not in pure.parts and "\\" not in rel
