"""Put rendered pages on disk: atomic writes, stale pages removed, the manifest and mkdocs.yml.

Pages are written atomically and only when their text changed, so an unchanged page keeps its
mtime (and MkDocs' live reload and ``make``-style tools see nothing). Pages docgen wrote before
but does not write now are removed — only those listed in its manifest, never the user's own
files. No text shown to readers is chosen here: nav titles come from the caller.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import stat
import time
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from docgen.errors import SiteError
from docgen.model import Manifest, ManifestEntry, Page, PageKind, SkippedEntry
from docgen.site.flush import sync_files
from docgen.site.manifest import MANIFEST_NAME, Journal, manifest_bytes
from docgen.site.mkdocs import build_nav, plan_mkdocs_yml
from docgen.site.paths import safe_rel

__all__ = ["SiteResult", "SiteWriter", "remove_stale_temporaries", "sync_files", "write_atomic"]


@dataclass(frozen=True, slots=True)
class SiteResult:
    """Page paths (relative to the output folder) by what happened to them."""

    written: tuple[str, ...]
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]
    kept: tuple[str, ...] = ()  # the user's files docgen would have overwritten or removed
    mkdocs_yml: str = "unchanged"  # "created", "updated", "unchanged" or "not written"
    warnings: tuple[str, ...] = field(default=())
    nav: tuple[Any, ...] = ()  # the site's nav, as mkdocs.yml's nav: key holds it


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_sha256(path: str) -> str | None:
    """The sha256 of a file, read in blocks (None when it is not there)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def write_atomic(path: str, data: bytes, *, sync: bool = True) -> bool:
    """Write ``data`` to ``path`` through a temporary file and a rename; False when unchanged.
    ``sync=False`` leaves the flush to disk to the caller (:func:`sync_files`)."""
    try:
        with open(path, "rb") as fh:
            if fh.read() == data:
                return False
        mode: int | None = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise SiteError(f"cannot read: {exc}", path=path) from exc
    folder = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(folder, f".docgen-{secrets.token_hex(6)}.tmp")
    try:
        os.makedirs(folder, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # umask applies
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if sync:
                os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise SiteError(f"cannot write: {exc}", path=path) from exc
    return True


_TEMPORARY = re.compile(r"\.docgen-[0-9a-f]{12}\.tmp")
STALE_TEMPORARY_SECONDS = 60.0  # younger ones may belong to a run going on beside this one


def remove_stale_temporaries(out_dir: str) -> int:
    """Remove what an interrupted write left behind (``.docgen-<hex>.tmp``, see
    :func:`write_atomic`) under ``out_dir``; returns how many."""
    removed = 0
    cutoff = time.time() - STALE_TEMPORARY_SECONDS
    for folder, _dirs, files in os.walk(out_dir):
        for name in files:
            if _TEMPORARY.fullmatch(name):
                path = os.path.join(folder, name)
                with contextlib.suppress(OSError):
                    if os.lstat(path).st_mtime < cutoff:
                        os.unlink(path)
                        removed += 1
    return removed


def _prune_empty(folder: str, stop: str) -> None:
    folder, stop = os.path.abspath(folder), os.path.abspath(stop)
    while folder != stop and folder.startswith(stop + os.sep):
        try:
            os.rmdir(folder)
        except OSError:
            return
        folder = os.path.dirname(folder)


class SiteWriter:
    """Writes pages one at a time as they are rendered, then the nav, manifest and mkdocs.yml.

    A run that renders thousands of modules streams its pages through :meth:`write` and keeps
    none of their text; :meth:`finish` removes the stale pages and writes the manifest and
    ``mkdocs.yml``. ``mkdocs.yml`` is read and checked when the writer is made, so a file that
    cannot be updated stops the run before any page is written.

    ``previous`` is the last run's manifest. A page whose text is unchanged is not touched. A
    file that exists, is not in the manifest and differs from the page is the user's: it is left
    alone and listed in ``kept`` unless ``overwrite``. A page from the last run that is not
    written now is removed when it is still as docgen wrote it (an edited one is kept and listed
    in ``kept``); emptied folders go too. ``titles`` holds the nav titles (``home``,
    ``reference``, ``usage``) and the palette toggle labels (``palette_dark``,
    ``palette_light``). ``carry`` names modules not rendered in this run (unchanged, or outside
    ``--changed-since``) whose pages from the last run stay as they are, in the nav and the
    manifest. ``fingerprint`` and ``template_hash`` are stored in the manifest for the next run
    and ``docgen check`` to compare.
    """

    def __init__(
        self,
        *,
        out_dir: str,
        mkdocs_yml: str,
        site_name: str,
        lang: str,
        previous: Manifest | None = None,
        titles: Mapping[str, str] | None = None,
        overwrite: bool = False,
        carry: Collection[str] = (),
        fingerprint: str = "",
        template_hash: str = "",
        mermaid: bool = True,
        mermaid_js: bool = False,
    ) -> None:
        self.mermaid = mermaid
        self.mermaid_js = mermaid_js
        self.out_dir = out_dir
        self.mkdocs_yml = mkdocs_yml
        self.site_name = site_name
        self.lang = lang
        self.titles = dict(titles or {})
        self.overwrite = overwrite
        self.fingerprint = fingerprint
        self.template_hash = template_hash
        if mkdocs_yml:  # fail early on an unreadable mkdocs.yml, before any page is written
            plan_mkdocs_yml(
                mkdocs_yml, site_name=site_name, lang=lang, out_dir=out_dir, nav=[],
                titles=self.titles,
            )  # fmt: skip
        self.previous = dict(previous.pages) if previous else {}
        carry = frozenset(carry)
        self.entries: dict[str, ManifestEntry] = {
            rel: entry for rel, entry in self.previous.items() if entry.module in carry
        }
        self.skipped: dict[str, SkippedEntry] = {
            module: entry
            for module, entry in (previous.skipped.items() if previous else ())
            if module in carry
        }
        remove_stale_temporaries(out_dir)
        self.journal = Journal(out_dir)
        self.stubs: list[Page] = [
            Page(PageKind(e.kind), e.module, rel, "") for rel, e in self.entries.items()
        ]
        self.seen: set[str] = set(self.entries)
        self.stubs_written: set[str] = set()
        self.written: list[str] = []
        self.unchanged: list[str] = []
        self.kept: list[str] = []
        self._unsynced: list[str] = []  # pages written, flushed to disk before the manifest

    def write(self, page: Page, data: bytes | None = None) -> None:
        """Write one page now (atomically, and only when its text changed); ``data``: its text
        encoded already (UTF-8), when ``page.text`` is left empty."""
        self._claim(page)
        rel = page.rel_path
        if data is None:
            data = page.text.encode("utf-8")
        target = os.path.join(self.out_dir, *rel.split("/"))
        if rel not in self.previous and not self.overwrite and os.path.exists(target):
            try:
                with open(target, "rb") as fh:
                    same = fh.read() == data
            except OSError:
                same = False
            if not same:
                self.kept.append(rel)
                return
        changed = write_atomic(target, data, sync=False)
        if changed:
            self._unsynced.append(target)
        self._record(page, _sha256(data), changed=changed)

    def carried(self, rel: str) -> tuple[ManifestEntry, str] | None:
        """A carried page's manifest entry and its text on disk (None when it is not carried,
        is missing, or was edited since docgen wrote it)."""
        entry = self.entries.get(rel)
        if entry is None or rel in self.stubs_written:
            return None
        target = os.path.join(self.out_dir, *rel.split("/"))
        try:
            with open(target, "rb") as fh:
                data = fh.read()
        except OSError:
            return None
        if _sha256(data) != entry.sha256:
            return None
        return entry, data.decode("utf-8", "replace")

    def rewrite(self, page: Page) -> None:
        """Write a carried page again (its module was not redone, but what it lists changed)."""
        self.seen.discard(page.rel_path)
        self.stubs = [s for s in self.stubs if s.rel_path != page.rel_path]
        self.stubs_written.add(page.rel_path)
        self.write(page)

    def write_concat(self, page: Page, rels: Iterable[str]) -> None:
        """Write ``page`` as the pages ``rels`` are on disk now (this run's and carried ones),
        one after another, a blank line between; a page not there is left out. Streamed
        through a temporary file, one page at a time: on the standard library the result is
        tens of megabytes, which a run should not hold in memory (nor the old file it is
        compared with)."""
        rel = page.rel_path
        target = os.path.join(self.out_dir, *rel.split("/"))
        folder = os.path.dirname(target)
        os.makedirs(folder, exist_ok=True)
        tmp = os.path.join(folder, f".docgen-{secrets.token_hex(6)}.tmp")
        digest = hashlib.sha256()
        try:
            with open(tmp, "wb") as out:
                first = True
                for source in rels:
                    try:
                        with open(os.path.join(self.out_dir, *source.split("/")), "rb") as fh:
                            data = fh.read().rstrip(b"\n") + b"\n"
                    except OSError:
                        continue
                    if not first:
                        out.write(b"\n")
                        digest.update(b"\n")
                    first = False
                    out.write(data)
                    digest.update(data)
            sha = digest.hexdigest()
            if _file_sha256(target) == sha:
                os.unlink(tmp)
                self._record(page, sha, changed=False)
                return
            if rel not in self.previous and not self.overwrite and os.path.exists(target):
                os.unlink(tmp)  # the user's own file of that name: left as it is
                self._claim(page)
                self.kept.append(rel)
                return
            os.replace(tmp, target)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise SiteError(f"cannot write: {exc}", path=target) from exc
        self._record(page, sha, changed=True)

    def _claim(self, page: Page) -> None:
        rel = page.rel_path
        wanted = (".js", ".txt") if page.kind is PageKind.ASSET else (".md",)
        if not safe_rel(rel) or not rel.endswith(wanted):
            raise SiteError(f"bad page path {rel!r}", path=self.out_dir)
        if rel in self.seen:
            raise SiteError(f"two pages for {rel!r}", path=self.out_dir)
        self.seen.add(rel)
        self.stubs.append(Page(page.kind, page.module, rel, ""))

    def _record(self, page: Page, sha: str, *, changed: bool) -> None:
        if page.rel_path not in self.seen:
            self._claim(page)
        rel = page.rel_path
        (self.written if changed else self.unchanged).append(rel)
        entry = ManifestEntry(
            module=page.module,
            kind=str(page.kind),
            source_hash=page.source_hash,
            sha256=sha,
            title=page.title,
            complete=page.complete,
            quality=page.quality,
            summary=page.summary,
            counts=page.counts,
            depends=page.depends,
        )
        self.entries[rel] = entry
        self.journal.page(rel, entry)

    def skip(self, module: str, entry: SkippedEntry) -> None:
        """Record a file this run made no page for (so ``check`` and the next run know it)."""
        self.skipped[module] = entry
        self.journal.skipped(module, entry)

    def abandon(self) -> None:
        """The run was interrupted: keep the journal for the next run, write nothing else."""
        self.journal.close(remove=False)

    def _own_pages(self) -> list[str]:
        """Markdown files in the output folder that docgen did not write: the user's pages."""
        ours = set(self.seen) | set(self.previous)
        found = []
        for folder, dirs, files in os.walk(self.out_dir):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if name.endswith(".md") and not name.startswith("."):
                    rel = os.path.relpath(os.path.join(folder, name), self.out_dir)
                    rel = rel.replace(os.sep, "/")
                    if rel not in ours:
                        found.append(rel)
        return found

    def finish(self) -> SiteResult:
        """Remove stale pages, write the manifest and mkdocs.yml; report what happened."""
        nav = build_nav(self.stubs, self.titles, self._own_pages())
        yml_text, yml_new, warnings = "", False, []
        if self.mkdocs_yml:  # "": MkDocs runs docgen as a plugin and takes the nav from us
            yml_text, yml_new, warnings = plan_mkdocs_yml(
                self.mkdocs_yml,
                site_name=self.site_name,
                lang=self.lang,
                out_dir=self.out_dir,
                nav=nav,
                titles=self.titles,
                mermaid=self.mermaid,
                mermaid_js=self.mermaid_js,
            )
        removed: list[str] = []
        for rel, entry in sorted(self.previous.items()):
            if rel in self.seen:
                continue
            target = os.path.join(self.out_dir, *rel.split("/"))
            try:
                with open(target, "rb") as fh:
                    current = _sha256(fh.read())
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise SiteError(f"cannot read: {exc}", path=target) from exc
            if current != entry.sha256:
                self.kept.append(rel)
                continue
            try:
                os.unlink(target)
            except OSError as exc:
                raise SiteError(f"cannot remove: {exc}", path=target) from exc
            removed.append(rel)
            _prune_empty(os.path.dirname(target), self.out_dir)

        sync_files(self._unsynced)
        self._unsynced = []
        write_atomic(
            os.path.join(self.out_dir, MANIFEST_NAME),
            manifest_bytes(
                self.entries,
                fingerprint=self.fingerprint,
                lang=self.lang,
                template_hash=self.template_hash,
                skipped=self.skipped,
            ),
        )
        self.journal.close(remove=True)
        status = "not written"
        if self.mkdocs_yml:
            yml_changed = write_atomic(self.mkdocs_yml, yml_text.encode("utf-8"))
            status = "created" if yml_new else ("updated" if yml_changed else "unchanged")
        return SiteResult(
            written=tuple(self.written),
            unchanged=tuple(self.unchanged),
            removed=tuple(removed),
            kept=tuple(sorted(self.kept)),
            mkdocs_yml=status,
            warnings=tuple(warnings),
            nav=tuple(nav),
        )
