"""``docgen check``: are the pages in the output folder up to date with the code?

The site stage records every page it writes in ``<out>/.docgen-manifest.json``: the module, the
sha256 of the source file the page was made from and the sha256 of the page itself. Checking is
then only hashing: each source file is hashed and compared with its pages' entries, and each page
on disk with its own hash. No parsing, no model, no network, so it is fast enough for a
pre-commit hook.

A module is *missing* when no page of it is recorded, *stale* when its source changed, a page of
it was deleted or edited by hand, or the run's language or templates differ from the recorded
ones; a recorded module that is no longer among the files is *orphaned* (its code was deleted or
moved). Pages without a module (the home page) are not checked.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from docgen.model import SourceFile

__all__ = ["MANIFEST_NAME", "CheckResult", "check", "file_sha256"]

MANIFEST_NAME = ".docgen-manifest.json"
MANIFEST_VERSIONS = frozenset({1})  # versions of the manifest this module can read

# reasons, as stable codes (the console words them from the message catalog)
SOURCE_CHANGED = "source_changed"
PAGE_MISSING = "page_missing"
PAGE_EDITED = "page_edited"
SETTINGS_CHANGED = "settings_changed"  # lang or template_hash differ, or an unknown manifest
NO_PAGES = "no_pages"
NOT_IN_SOURCES = "not_in_sources"


@dataclass(frozen=True, slots=True)
class CheckResult:
    """Dotted module names, each sorted. ``details`` pairs each listed module with a reason
    code (one pair per module, the first reason found)."""

    stale: tuple[str, ...]
    missing: tuple[str, ...]
    orphaned: tuple[str, ...]
    details: tuple[tuple[str, str], ...] = ()

    @property
    def ok(self) -> bool:
        """Every page is up to date: ``docgen check`` exits 0."""
        return not (self.stale or self.missing or self.orphaned)


def file_sha256(path: str) -> str | None:
    """sha256 hex digest of a file's bytes; None when it cannot be read."""
    try:
        with open(path, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        return None


def _marks_package_only(path: str) -> bool:
    """An ``__init__.py`` that is empty or only comments: docgen makes no page for it."""
    try:
        with open(path, "rb") as fh:
            lines = fh.read(65536).splitlines()
    except OSError:
        return False
    return all(not line.strip() or line.lstrip().startswith(b"#") for line in lines)


def _read_manifest(out_dir: str) -> dict[str, Any] | None:
    try:
        with open(os.path.join(out_dir, MANIFEST_NAME), encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("pages"), dict):
        return None
    return data


def check(
    files: Sequence[SourceFile], *, out_dir: str, lang: str, template_hash: str
) -> CheckResult:
    """Compare ``files`` with the pages recorded in ``out_dir``'s manifest (see module doc)."""
    manifest = _read_manifest(out_dir)
    modules = {f.module: f for f in files if not (f.is_package and _marks_package_only(f.path))}
    if manifest is None:
        return _result({m: NO_PAGES for m in modules}, {}, {})

    settings_ok = (
        manifest.get("version") in MANIFEST_VERSIONS
        and manifest.get("lang", lang) == lang
        and manifest.get("template_hash", template_hash) == template_hash
    )
    pages_of: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for rel, entry in manifest["pages"].items():
        if isinstance(entry, dict) and isinstance(entry.get("module"), str) and entry["module"]:
            pages_of.setdefault(entry["module"], []).append((str(rel), entry))

    stale: dict[str, str] = {}
    missing: dict[str, str] = {}
    for module, source in modules.items():
        pages = pages_of.get(module)
        if not pages:
            missing[module] = NO_PAGES
            continue
        reason = None if settings_ok else SETTINGS_CHANGED
        current = file_sha256(source.path)
        for rel, entry in pages if reason is None else ():
            if current is None or entry.get("source_hash") != current:
                reason = SOURCE_CHANGED
                break
            page = file_sha256(os.path.join(out_dir, *rel.split("/")))
            if page is None:
                reason = PAGE_MISSING
                break
            if page != entry.get("sha256"):
                reason = PAGE_EDITED
                break
        if reason is not None:
            stale[module] = reason
    orphaned = {m: NOT_IN_SOURCES for m in pages_of if m not in modules}
    return _result(missing, stale, orphaned)


def _result(
    missing: dict[str, str], stale: dict[str, str], orphaned: dict[str, str]
) -> CheckResult:
    details = sorted({**missing, **stale, **orphaned}.items())
    return CheckResult(
        stale=tuple(sorted(stale)),
        missing=tuple(sorted(missing)),
        orphaned=tuple(sorted(orphaned)),
        details=tuple(details),
    )
