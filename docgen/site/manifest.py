"""The manifest: what docgen wrote into an output folder, read once per run and written by the
site writer. This module is its only reader and writer.

A run writes the whole manifest when it finishes. While it runs, every page written and every
file skipped is appended to a journal beside it (``.docgen-manifest.json.journal``, one JSON
object a line), so a run that is interrupted, even by ``kill -9``, leaves a record of what it
wrote: the next run reads the manifest with the journal applied, and recognises those pages as
docgen's own. A torn last line is ignored.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping

from docgen.errors import SiteError
from docgen.model import (
    MANIFEST_VERSION,
    Manifest,
    ManifestEntry,
    PageQuality,
    SkippedEntry,
    UnitQuality,
)
from docgen.site.paths import safe_rel

__all__ = ["JOURNAL_NAME", "MANIFEST_NAME", "Journal", "manifest_bytes", "read_manifest"]

MANIFEST_NAME = ".docgen-manifest.json"  # a dotfile: MkDocs leaves it out of the site
JOURNAL_NAME = MANIFEST_NAME + ".journal"


def read_manifest(out_dir: str) -> Manifest | None:
    """The manifest of ``out_dir`` with any interrupted run's journal applied; None when there
    is neither. Raises SiteError when the manifest is unreadable."""
    path = os.path.join(out_dir, MANIFEST_NAME)
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        data = None
    except (OSError, ValueError) as exc:
        raise SiteError(f"cannot read the manifest: {exc}", path=path) from exc
    journal = _journal_lines(os.path.join(out_dir, JOURNAL_NAME))
    if data is None and not journal:
        return None
    data = data or {"version": MANIFEST_VERSION, "pages": {}}
    try:
        pages = {rel: _entry(e) for rel, e in data["pages"].items() if safe_rel(rel)}
        skipped = {m: _skipped(e) for m, e in data.get("skipped", {}).items()}
        for line in journal:
            if "page" in line and safe_rel(line["page"]):
                pages[line["page"]] = _entry(line)
                skipped.pop(line["module"], None)
            elif "skipped" in line:
                skipped[line["skipped"]] = _skipped(line)
        return Manifest(
            version=int(data["version"]),
            pages=pages,
            fingerprint=str(data.get("fingerprint", "")),
            lang=str(data.get("lang", "")),
            template_hash=str(data.get("template_hash", "")),
            skipped=skipped,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SiteError(f"not a docgen manifest: {exc!r}", path=path) from exc


def _entry(e: dict) -> ManifestEntry:
    return ManifestEntry(
        module=str(e["module"]),
        kind=str(e["kind"]),
        source_hash=str(e["source_hash"]),
        sha256=str(e["sha256"]),
        title=str(e.get("title", "")),
        complete=bool(e.get("complete", True)),
        quality=_quality(e["quality"]) if e.get("quality") else None,
        summary=str(e.get("summary", "")),
        counts=tuple(int(n) for n in e.get("counts", (0, 0)))[:2] or (0, 0),  # type: ignore[arg-type]
        depends=tuple(str(m) for m in e.get("depends", ())),
    )


def _quality(q: dict) -> PageQuality:
    return PageQuality(
        units=int(q["units"]),
        shown=int(q["shown"]),
        complete=int(q["complete"]),
        names=int(q["names"]),
        unknown=tuple(str(n) for n in q["unknown"]),
        examples=int(q["examples"]),
        bad_examples=int(q["bad_examples"]),
        worst=tuple(UnitQuality(str(u), True, tuple(map(str, m))) for u, m in q["worst"]),
        sources=tuple((str(k), int(v)) for k, v in q["sources"].items()),
    )


def _quality_json(q: PageQuality) -> dict:
    return {
        "units": q.units,
        "shown": q.shown,
        "complete": q.complete,
        "names": q.names,
        "unknown": list(q.unknown),
        "examples": q.examples,
        "bad_examples": q.bad_examples,
        "worst": [[u.uid, list(u.missing)] for u in q.worst],
        "sources": dict(q.sources),
    }


def _skipped(e: dict) -> SkippedEntry:
    line = e.get("line")
    return SkippedEntry(
        source_hash=str(e["source_hash"]),
        path=str(e["path"]),
        line=int(line) if line is not None else None,
        reason=str(e["reason"]),
        quiet=bool(e.get("quiet", False)),
    )


def _journal_lines(path: str) -> list[dict]:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
    except OSError:
        return []
    out = []
    for raw in text.splitlines():
        try:
            line = json.loads(raw)
        except ValueError:
            continue  # a line torn by a kill
        if isinstance(line, dict):
            out.append(line)
    return out


def _page_json(e: ManifestEntry) -> dict:
    return {
        "module": e.module,
        "kind": e.kind,
        "source_hash": e.source_hash,
        "sha256": e.sha256,
        "title": e.title,
        "complete": e.complete,
        **({"quality": _quality_json(e.quality)} if e.quality else {}),
        **({"summary": e.summary} if e.summary else {}),
        **({"counts": list(e.counts)} if any(e.counts) else {}),
        **({"depends": list(e.depends)} if e.depends else {}),
    }


def _skipped_json(e: SkippedEntry) -> dict:
    return {
        "source_hash": e.source_hash,
        "path": e.path,
        "line": e.line,
        "reason": e.reason,
        "quiet": e.quiet,
    }


class Journal:
    """The running record of one run's writes (see the module doc)."""

    def __init__(self, out_dir: str) -> None:
        self.path = os.path.join(out_dir, JOURNAL_NAME)
        self._fh = None

    def _write(self, line: dict) -> None:
        try:
            if self._fh is None:
                os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
                self._fh = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - kept open
            self._fh.write(json.dumps(line, ensure_ascii=False) + "\n")
            self._fh.flush()
        except OSError as exc:
            raise SiteError(f"cannot write: {exc}", path=self.path) from exc

    def page(self, rel: str, entry: ManifestEntry) -> None:
        self._write({"page": rel, **_page_json(entry)})

    def skipped(self, module: str, entry: SkippedEntry) -> None:
        self._write({"skipped": module, **_skipped_json(entry)})

    def close(self, *, remove: bool) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        if remove:
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise SiteError(f"cannot remove: {exc}", path=self.path) from exc


def manifest_bytes(
    pages: Mapping[str, ManifestEntry],
    *,
    fingerprint: str,
    lang: str,
    template_hash: str,
    skipped: Mapping[str, SkippedEntry],
) -> bytes:
    """The manifest file's bytes (sorted, stable: the same pages give the same file)."""
    data = {
        "version": MANIFEST_VERSION,
        "fingerprint": fingerprint,
        "lang": lang,
        "template_hash": template_hash,
        "pages": {rel: _page_json(e) for rel, e in sorted(pages.items())},
        "skipped": {m: _skipped_json(e) for m, e in sorted(skipped.items())},
    }
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
