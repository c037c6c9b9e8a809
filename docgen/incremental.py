"""Deciding what a run must redo, so that re-running on unchanged code costs nothing.

The site's manifest records, for every page, the hash of the source file it was made from,
whether every unit on it was documented for good, and a *fingerprint* of everything else the
pages depend on (docgen's version, the templates, the language, the writer and its prompts).
A module whose file, fingerprint and pages on disk all match the manifest is *carried*: not read,
not parsed, not written. The rest is *to do*. ``docgen check`` asks the same question and reports
instead of acting.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from docgen import __version__
from docgen.config import Config
from docgen.errors import SiteError
from docgen.model import PageKind, SourceFile
from docgen.resources import templates_dir
from docgen.site import Manifest, ManifestEntry, read_manifest

_PAGE_KINDS = frozenset({PageKind.REFERENCE.value, PageKind.USAGE.value})


def file_hash(path: str) -> str:
    """sha256 of a file's bytes ("" when it cannot be read: extraction reports why)."""
    try:
        with open(path, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        return ""


def _tree_hash(folders: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()


def writer_id(config: Config) -> str:
    """What identifies the writer's output: "offline", or the models and prompt version."""
    if config.offline:
        return "offline"
    from docgen.write.prompts import PROMPT_VERSION

    return "model:" + ",".join(e.model for e in config.endpoints) + ":" + PROMPT_VERSION


def fingerprint(config: Config) -> str:
    """A hash of everything besides the source that a page depends on."""
    extra = [Path(config.templates)] if config.templates else []
    parts = [__version__, config.lang, writer_id(config), _tree_hash([templates_dir(), *extra])]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Plan:
    todo: tuple[SourceFile, ...]  # files to document in this run
    carry: frozenset[str]  # modules whose pages from the last run stay as they are
    stale: tuple[str, ...]  # modules to do that had pages (changed, incomplete, edited)
    missing: tuple[str, ...]  # modules to do that had no pages yet
    fingerprint: str


def _page_intact(out_dir: str, rel: str, entry: ManifestEntry) -> bool:
    try:
        with open(os.path.join(out_dir, *rel.split("/")), "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest() == entry.sha256
    except OSError:
        return False


def _by_module(manifest: Manifest | None) -> dict[str, dict[str, tuple[str, ManifestEntry]]]:
    out: dict[str, dict[str, tuple[str, ManifestEntry]]] = {}
    if manifest is None:
        return out
    for rel, entry in manifest.pages.items():
        if entry.kind in _PAGE_KINDS:
            out.setdefault(entry.module, {})[entry.kind] = (rel, entry)
    return out


def plan(
    files: Sequence[SourceFile],
    *,
    out_dir: str,
    fingerprint: str,
    force: bool = False,
    changed: frozenset[str] | None = None,
) -> Plan:
    """Split ``files`` into what to document and what to carry over from the last run.

    ``changed`` (from ``--changed-since``) holds absolute paths: other files are carried when
    they have pages and left out when they have none.
    """
    try:
        manifest = read_manifest(out_dir)
    except SiteError:
        manifest = None
    pages = _by_module(manifest)
    same_setup = manifest is not None and manifest.fingerprint == fingerprint
    todo: list[SourceFile] = []
    carry: set[str] = set()
    stale: list[str] = []
    missing: list[str] = []
    for file in files:
        mine = pages.get(file.module, {})
        if changed is not None and os.path.abspath(file.path) not in changed:
            if mine:
                carry.add(file.module)
            continue
        source = file_hash(file.path)
        up_to_date = (
            not force
            and same_setup
            and set(mine) == _PAGE_KINDS
            and all(
                entry.source_hash == source and entry.complete and _page_intact(out_dir, rel, entry)
                for rel, entry in mine.values()
            )
        )
        if up_to_date:
            carry.add(file.module)
            continue
        todo.append(file)
        (stale if mine else missing).append(file.module)
    return Plan(tuple(todo), frozenset(carry), tuple(stale), tuple(missing), fingerprint)


@dataclass(frozen=True, slots=True)
class Listed:
    """A module of the last run as the home page needs it: name, title and page paths."""

    name: str
    title: str
    reference: str
    usage: str

    @property
    def uid(self) -> str:
        return self.name


def listed(out_dir: str, modules: Iterable[str]) -> tuple[Listed, ...]:
    """What the manifest says of ``modules`` (carried over, so not rendered in this run)."""
    try:
        manifest = read_manifest(out_dir)
    except SiteError:
        return ()
    pages = _by_module(manifest)
    out = []
    for name in sorted(set(modules)):
        mine = pages.get(name, {})
        if set(mine) != _PAGE_KINDS:
            continue
        ref_rel, ref = mine[PageKind.REFERENCE.value]
        use_rel, _ = mine[PageKind.USAGE.value]
        out.append(Listed(name, ref.title, ref_rel, use_rel))
    return tuple(out)
