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
from docgen.check import check
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


def _tree_hash(folders: Iterable[Path], suffix: str = "") -> str:
    digest = hashlib.sha256()
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob(f"*{suffix}")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()


def writer_id(config: Config) -> str:
    """What identifies the writer's output: "offline", or the models and prompt version."""
    if config.offline:
        return "offline"
    from docgen.write.prompts import prompt_version

    models = ",".join(e.model for e in config.endpoints)
    return f"model:{models}:{prompt_version(config.templates)}"


def template_hash(config: Config) -> str:
    """A hash of the default templates and the user's (pages, catalog, prompts)."""
    extra = [Path(config.templates)] if config.templates else []
    return _tree_hash([templates_dir(), *extra])


def _code_hash() -> str:
    """A hash of docgen's own code: a changed writer or renderer makes different pages."""
    return _tree_hash([Path(__file__).resolve().parent], suffix=".py")


def fingerprint(config: Config) -> str:
    """A hash of everything besides the source that a page depends on."""
    parts = [__version__, _code_hash(), config.lang, writer_id(config), template_hash(config)]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _by_module(manifest: Manifest | None) -> dict[str, dict[str, tuple[str, ManifestEntry]]]:
    """Manifest pages by module, then by kind (reference, usage)."""
    out: dict[str, dict[str, tuple[str, ManifestEntry]]] = {}
    for rel, entry in manifest.pages.items() if manifest else ():
        if entry.kind in _PAGE_KINDS:
            out.setdefault(entry.module, {})[entry.kind] = (rel, entry)
    return out


@dataclass(frozen=True, slots=True)
class Plan:
    todo: tuple[SourceFile, ...]  # files to document in this run
    carry: frozenset[str]  # modules whose pages from the last run stay as they are
    fingerprint: str
    template_hash: str


def plan(
    files: Sequence[SourceFile],
    *,
    config: Config,
    changed: frozenset[str] | None = None,
) -> Plan:
    """Split ``files`` into what to document and what to carry over from the last run.

    A module is carried when ``docgen check`` finds its pages up to date, every unit on them was
    documented for good, and the writer is the one that made them. ``changed`` (from
    ``--changed-since``) holds absolute paths: other files are carried when they have pages and
    left out when they have none.
    """
    templates = template_hash(config)
    mark = fingerprint(config)
    try:
        manifest = read_manifest(config.out)
    except SiteError:
        manifest = None
    pages = _by_module(manifest)
    selected = [f for f in files if changed is None or os.path.realpath(f.path) in changed]
    outside = {f.module for f in files if f not in selected and f.module in pages}
    if config.force or manifest is None or manifest.fingerprint != mark:
        return Plan(tuple(selected), frozenset(outside), mark, templates)
    result = check(selected, out_dir=config.out, lang=config.lang, template_hash=templates)
    redo = set(result.stale) | set(result.missing)
    redo |= {m for m, mine in pages.items() if not all(e.complete for _, e in mine.values())}
    todo = tuple(f for f in selected if f.module in redo)
    carry = {f.module for f in selected if f.module not in redo and f.module in pages}
    carry -= set(result.orphaned)
    carry |= outside
    return Plan(todo, frozenset(carry), mark, templates)


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
