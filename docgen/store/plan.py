"""What a run must redo, and whether the pages are up to date: planning and ``docgen check``.

The site stage records every page it writes in the manifest (``<out>/.docgen-manifest.json``):
the module, the sha256 of the source file the page was made from, the sha256 of the page, whether
every unit on it was documented for good, and a *fingerprint* of everything else the pages depend
on (docgen's version and code, the templates, the language, the writer). Both functions here take
that manifest as a value (the site stage reads it once per run) and only hash files: no parsing,
no model, no network, so ``check`` is fast enough for a pre-commit hook.

:func:`check`: a module is *missing* when no page of it is recorded, *stale* when its source
changed, a page of it was deleted or edited by hand, or the run's language or templates differ
from the recorded ones; a recorded module that is no longer among the files is *orphaned*. Pages
without a module (the home page) are not checked.

:func:`plan`: a module is *carried* (not read, not parsed, not written) when ``check`` finds its
pages up to date, every unit on them was documented for good and the fingerprint matches; the
rest is *to do*.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from docgen.model import MANIFEST_VERSION, Manifest, Plan, SourceFile
from docgen.store.keys import file_hash

__all__ = ["CheckResult", "check", "plan"]

# reasons, as stable codes
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


def check(
    files: Sequence[SourceFile],
    manifest: Manifest | None,
    *,
    out_dir: str,
    lang: str,
    template_hash: str,
) -> CheckResult:
    """Compare ``files`` with the pages ``manifest`` records in ``out_dir`` (see module doc).
    A file the run made no page for (a problem, or nothing to document) is up to date while
    its bytes are the ones the run read."""
    modules = {f.module: f for f in files}
    if manifest is None:
        return _result({m: NO_PAGES for m in modules}, {}, {})
    settings_ok = (
        manifest.version == MANIFEST_VERSION
        and manifest.lang in ("", lang)
        and manifest.template_hash in ("", template_hash)
    )
    pages_of = {m: list(kinds.values()) for m, kinds in manifest.by_module().items()}
    stale: dict[str, str] = {}
    missing: dict[str, str] = {}
    for module, source in modules.items():
        pages = pages_of.get(module)
        skipped = manifest.skipped.get(module)
        if not pages and skipped is not None:
            if skipped.source_hash != file_hash(source.path):
                stale[module] = SOURCE_CHANGED
            continue
        if not pages:
            missing[module] = NO_PAGES
            continue
        reason = None if settings_ok else SETTINGS_CHANGED
        current = file_hash(source.path)
        for rel, entry in pages if reason is None else ():
            if current is None or entry.source_hash != current:
                reason = SOURCE_CHANGED
                break
            page = file_hash(os.path.join(out_dir, *rel.split("/")))
            if page is None:
                reason = PAGE_MISSING
                break
            if page != entry.sha256:
                reason = PAGE_EDITED
                break
        if reason is not None:
            stale[module] = reason
    orphaned = {m: NOT_IN_SOURCES for m in [*pages_of, *manifest.skipped] if m not in modules}
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


def plan(
    files: Sequence[SourceFile],
    manifest: Manifest | None,
    *,
    out_dir: str,
    lang: str,
    fingerprint: str,
    template_hash: str,
    force: bool = False,
    changed: frozenset[str] | None = None,
) -> Plan:
    """Split ``files`` into what to document and what to carry over from the last run.

    ``changed`` (from ``--changed-since``) holds absolute paths: other files are carried when
    they have pages and left out when they have none. ``force`` carries nothing.
    """
    pages = manifest.by_module() if manifest else {}
    if manifest is not None:  # a file with no page is carried like one with pages
        pages.update({m: {} for m in manifest.skipped if m not in pages})
    selected = [f for f in files if changed is None or os.path.realpath(f.path) in changed]
    outside = {f.module for f in files if f not in selected and f.module in pages}
    if force or manifest is None or manifest.fingerprint != fingerprint:
        return Plan(tuple(selected), frozenset(outside), fingerprint, template_hash)
    result = check(selected, manifest, out_dir=out_dir, lang=lang, template_hash=template_hash)
    redo = set(result.stale) | set(result.missing)
    redo |= {m for m, mine in pages.items() if not all(e.complete for _, e in mine.values())}
    todo = tuple(f for f in selected if f.module in redo)
    carry = {f.module for f in selected if f.module not in redo and f.module in pages}
    carry -= set(result.orphaned)
    carry |= outside
    return Plan(todo, frozenset(carry), fingerprint, template_hash)
