"""Put rendered pages on disk as an MkDocs site: paths, writes, nav, mkdocs.yml, manifest.

This is the last stage. It decides where each page lives (:func:`page_path`), writes pages
atomically and only when their text changed so an unchanged page keeps its mtime (and MkDocs'
live reload and ``make``-style tools see nothing), removes the pages docgen wrote before but does
not write now — only those listed in its manifest, never the user's own files — and keeps the
``nav:`` of ``mkdocs.yml`` in step with the pages while leaving every other byte of the user's
file alone. No text shown to readers is chosen here: nav titles come from the caller.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import stat
import subprocess
import sys
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import yaml

from docgen.errors import SiteError
from docgen.model import Page, PageKind

__all__ = [
    "MANIFEST_NAME",
    "Manifest",
    "ManifestEntry",
    "SiteResult",
    "SiteWriter",
    "build_nav",
    "build_site",
    "load_yaml",
    "page_path",
    "read_manifest",
    "replace_nav",
    "write_site",
]

MANIFEST_NAME = ".docgen-manifest.json"  # a dotfile: MkDocs leaves it out of the site
MANIFEST_VERSION = 1
HOME_PAGE = "index.md"
_SECTIONS = {PageKind.REFERENCE: "reference", PageKind.USAGE: "usage"}
_SPECIAL_STEMS = frozenset({"index", "readme"})  # MkDocs maps both to the folder's URL
_DEFAULT_TITLES = {
    "home": "Home",
    "reference": "Reference",
    "usage": "Usage",
    "palette_dark": "Switch to dark mode",
    "palette_light": "Switch to light mode",
}


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    module: str
    kind: str
    source_hash: str  # sha256 of the module's source the page was made from ("" for home)
    sha256: str  # sha256 of the page as written
    title: str = ""  # the module's title (reference pages)
    complete: bool = True  # False: a unit on the page failed or fell back


@dataclass(frozen=True, slots=True)
class Manifest:
    """What docgen wrote last time into one output folder, keyed by page path."""

    version: int
    pages: Mapping[str, ManifestEntry]
    fingerprint: str = ""  # what else the pages depend on: docgen, templates, language, writer

    def outdated(self, source_hashes: Mapping[str, str]) -> tuple[str, ...]:
        """Pages made from a source that changed or is gone (module -> sha256 of now)."""
        return tuple(
            sorted(
                rel
                for rel, entry in self.pages.items()
                if entry.module and source_hashes.get(entry.module) != entry.source_hash
            )
        )


@dataclass(frozen=True, slots=True)
class SiteResult:
    """Page paths (relative to the output folder) by what happened to them."""

    written: tuple[str, ...]
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]
    kept: tuple[str, ...] = ()  # the user's files docgen would have overwritten or removed
    mkdocs_yml: str = "unchanged"  # "created", "updated" or "unchanged"
    warnings: tuple[str, ...] = field(default=())


# --------------------------------------------------------------------------------------------
# page paths


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
    parts = module.split(".")
    if not module or not all(parts):
        raise ValueError(f"not a module name: {module!r}")
    folder = [_SECTIONS[kind], *(_escape(p) for p in parts)]
    if is_package:
        return "/".join([*folder, "index.md"])
    return "/".join(folder) + ".md"


def _escape(segment: str) -> str:
    escaped = segment.replace("~", "~~")
    return escaped + "~" if segment.lower() in _SPECIAL_STEMS else escaped


# --------------------------------------------------------------------------------------------
# nav


def build_nav(
    pages: Sequence[Page], titles: Mapping[str, str], extra: Sequence[str] = ()
) -> list[Any]:
    """The ``nav:`` value: Home, the user's own pages (``extra``, paths under the output folder,
    titled by their first heading or file name), then the reference and usage sections as
    package trees."""
    title = {**_DEFAULT_TITLES, **titles}
    nav: list[Any] = []
    home = sorted(p.rel_path for p in pages if p.kind is PageKind.HOME)
    if home:
        nav.append({title["home"]: home[0]})
    nav.extend(extra)
    for kind, key in _SECTIONS.items():
        tree = _Node()
        for page in sorted((p for p in pages if p.kind is kind), key=lambda p: p.module):
            node = tree
            for part in page.module.split("."):
                node = node.children.setdefault(part, _Node())
            node.page = page.rel_path
        if tree.children:
            nav.append({title[key]: tree.entries("")})
    return nav


class _Node:
    __slots__ = ("children", "page")

    def __init__(self) -> None:
        self.page: str | None = None
        self.children: dict[str, _Node] = {}

    def entries(self, prefix: str) -> list[Any]:
        out: list[Any] = []
        for part in sorted(self.children):
            child = self.children[part]
            name = f"{prefix}{part}"
            if not child.children:
                out.append({name: child.page})
                continue
            section: list[Any] = []
            if child.page is not None:
                # a package page is its folder's index: listed first and untitled, as
                # navigation.indexes expects; a module page beside a folder keeps its title
                index = child.page.endswith("/index.md")
                section.append(child.page if index else {name: child.page})
            section.extend(child.entries(f"{name}."))
            out.append({name: section})
        return out


def _nav_text(nav: list[Any], newline: str = "\n") -> str:
    text = yaml.safe_dump(
        {"nav": nav}, allow_unicode=True, sort_keys=False, default_flow_style=False, width=4096
    )
    return text.replace("\n", newline)


_NAV_KEY = re.compile(r"""^(?:nav|"nav"|'nav')[ \t]*:(?:[ \t]|$)""")
_TOP_LEVEL_ITEM = re.compile(r"^-(?:[ \t]|$)")


def replace_nav(text: str, nav: list[Any]) -> str:
    """``text`` with its top-level ``nav:`` block replaced (or one appended); nothing else moves.

    The block is the ``nav:`` line and every following line that is indented, a top-level
    ``- item``, blank or a comment, up to the next top-level key; blank and comment lines just
    before that key stay with it.
    """
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    block = _nav_text(nav, newline)
    start = next((i for i, line in enumerate(lines) if _NAV_KEY.match(line)), None)
    if start is None:
        if text and not text.endswith(("\n", "\r")):
            text += newline
        return text + block
    end = start + 1
    for i in range(start + 1, len(lines)):
        line = lines[i]
        stripped = line.strip()
        if not stripped or line.startswith("#"):
            continue
        if line[0] in " \t" or _TOP_LEVEL_ITEM.match(line):
            end = i + 1
            continue
        break
    return "".join(lines[:start]) + block + "".join(lines[end:])


class _TolerantLoader(yaml.SafeLoader):
    """A safe loader that reads any unknown tag (``!!python/name:...``, ``!ENV``) as plain data."""


def _any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]


_TolerantLoader.add_multi_constructor("", _any_tag)


def load_yaml(text: str) -> Any:
    """Parse an mkdocs.yml, tolerating tags a safe loader does not know."""
    return yaml.load(text, Loader=_TolerantLoader)  # a SafeLoader subclass


# --------------------------------------------------------------------------------------------
# mkdocs.yml


_SLUGIFY_MARK = "docgen-slugify"
# Unicode-aware heading anchors ("#как-работает-функция", not "#_1"), from pymdown-extensions,
# which mkdocs-material installs.
_SLUGIFY = "slugify: !!python/object/apply:pymdownx.slugs.slugify\n      kwds:\n        case: lower"


def _new_mkdocs_yml(
    *, site_name: str, lang: str, docs_dir: str, nav: list[Any], titles: Mapping[str, str]
) -> str:
    title = {**_DEFAULT_TITLES, **titles}
    search_langs = [lang] if lang == "en" else [lang, "en"]
    config: dict[str, Any] = {"site_name": site_name or "Documentation"}
    if docs_dir != "docs":
        config["docs_dir"] = docs_dir
    config["theme"] = {
        "name": "material",
        "language": lang,
        "features": [
            "content.code.copy",
            "navigation.sections",
            "navigation.indexes",
            "navigation.top",
        ],
        "palette": [
            {
                "media": "(prefers-color-scheme: light)",
                "scheme": "default",
                "toggle": {"icon": "material/brightness-7", "name": title["palette_dark"]},
            },
            {
                "media": "(prefers-color-scheme: dark)",
                "scheme": "slate",
                "toggle": {"icon": "material/brightness-4", "name": title["palette_light"]},
            },
        ],
    }
    config["plugins"] = [{"search": {"lang": search_langs}}]
    config["markdown_extensions"] = [
        "admonition",
        "attr_list",
        {"toc": {"permalink": True, "slugify": _SLUGIFY_MARK}},
        {"pymdownx.highlight": {"anchor_linenums": True}},
        "pymdownx.inlinehilite",
        "pymdownx.superfences",
        "pymdownx.details",
    ]
    head = "# Made by docgen. Later runs rewrite only the nav: key; edit the rest freely.\n"
    body = yaml.safe_dump(
        config, allow_unicode=True, sort_keys=False, default_flow_style=False, width=4096
    )
    # A safe dumper cannot write the python tag MkDocs needs for a callable: put it in as text.
    body = body.replace(f"slugify: {_SLUGIFY_MARK}", _SLUGIFY)
    return head + body + _nav_text(nav)


def _plan_mkdocs_yml(
    path: str, *, site_name: str, lang: str, out_dir: str, nav: list[Any], titles: Mapping[str, str]
) -> tuple[str, bool, list[str]]:
    """The new text of mkdocs.yml, whether it is new, and warnings; nothing is written yet."""
    config_dir = os.path.dirname(os.path.abspath(path))
    docs_dir = os.path.relpath(os.path.abspath(out_dir), config_dir).replace(os.sep, "/")
    warnings: list[str] = []
    try:
        with open(path, "rb") as fh:
            old_bytes: bytes | None = fh.read()
    except FileNotFoundError:
        old_bytes = None
    except OSError as exc:
        raise SiteError(f"cannot read: {exc}", path=path) from exc
    if old_bytes is None:
        text = _new_mkdocs_yml(
            site_name=site_name, lang=lang, docs_dir=docs_dir, nav=nav, titles=titles
        )
        return text, True, warnings
    try:
        old = old_bytes.decode("utf-8")
        before = load_yaml(old)
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SiteError(f"cannot parse: {exc}".splitlines()[0], path=path) from exc
    if not isinstance(before, dict):
        raise SiteError("not a mapping of settings", path=path)
    new = replace_nav(old, nav)
    try:
        after = load_yaml(new)
    except yaml.YAMLError as exc:
        raise SiteError("cannot replace the nav: key safely", path=path) from exc
    if (
        not isinstance(after, dict)
        or after.get("nav") != nav
        or {k: v for k, v in after.items() if k != "nav"}
        != {k: v for k, v in before.items() if k != "nav"}
    ):
        raise SiteError("cannot replace the nav: key safely", path=path)
    configured = os.path.normpath(os.path.join(config_dir, str(after.get("docs_dir", "docs"))))
    if configured != os.path.normpath(os.path.abspath(out_dir)):
        warnings.append(
            f"{path}: docs_dir is {after.get('docs_dir', 'docs')!r} but pages are written to"
            f" {docs_dir!r}"
        )
    return new, False, warnings


# --------------------------------------------------------------------------------------------
# files


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_atomic(path: str, data: bytes) -> bool:
    """Write ``data`` to ``path`` through a temporary file and a rename; False when unchanged."""
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
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise SiteError(f"cannot write: {exc}", path=path) from exc
    return True


def _safe_rel(rel: str) -> bool:
    pure = PurePosixPath(rel)
    return bool(rel) and not pure.is_absolute() and ".." not in pure.parts and "\\" not in rel


def read_manifest(out_dir: str) -> Manifest | None:
    """The manifest of ``out_dir``; None when there is none. Raises SiteError when unreadable."""
    path = os.path.join(out_dir, MANIFEST_NAME)
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise SiteError(f"cannot read the manifest: {exc}", path=path) from exc
    try:
        pages = {
            rel: ManifestEntry(
                module=str(e["module"]),
                kind=str(e["kind"]),
                source_hash=str(e["source_hash"]),
                sha256=str(e["sha256"]),
                title=str(e.get("title", "")),
                complete=bool(e.get("complete", True)),
            )
            for rel, e in data["pages"].items()
            if _safe_rel(rel)
        }
        return Manifest(
            version=int(data["version"]),
            pages=pages,
            fingerprint=str(data.get("fingerprint", "")),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SiteError(f"not a docgen manifest: {exc!r}", path=path) from exc


def _manifest_bytes(
    pages: Mapping[str, ManifestEntry], *, fingerprint: str, lang: str, template_hash: str
) -> bytes:
    data = {
        "version": MANIFEST_VERSION,
        "fingerprint": fingerprint,
        "lang": lang,
        "template_hash": template_hash,
        "pages": {
            rel: {
                "module": e.module,
                "kind": e.kind,
                "source_hash": e.source_hash,
                "sha256": e.sha256,
                "title": e.title,
                "complete": e.complete,
            }
            for rel, e in sorted(pages.items())
        },
    }
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


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
    cannot be updated stops the run before any page is written. See :func:`write_site` for the
    meaning of the options.
    """

    def __init__(
        self,
        *,
        out_dir: str,
        mkdocs_yml: str,
        site_name: str,
        lang: str,
        titles: Mapping[str, str] | None = None,
        source_hashes: Mapping[str, str] | None = None,
        overwrite: bool = False,
        carry: Collection[str] = (),
        fingerprint: str = "",
        template_hash: str = "",
    ) -> None:
        self.out_dir = out_dir
        self.mkdocs_yml = mkdocs_yml
        self.site_name = site_name
        self.lang = lang
        self.titles = dict(titles or {})
        self.hashes = dict(source_hashes or {})
        self.overwrite = overwrite
        self.fingerprint = fingerprint
        self.template_hash = template_hash
        self.warnings: list[str] = []
        _plan_mkdocs_yml(
            mkdocs_yml, site_name=site_name, lang=lang, out_dir=out_dir, nav=[], titles=self.titles
        )
        try:
            old = read_manifest(out_dir)
        except SiteError as exc:
            self.warnings.append(f"{exc}; starting a new one")
            old = None
        self.previous = dict(old.pages) if old else {}
        carry = frozenset(carry)
        self.entries: dict[str, ManifestEntry] = {
            rel: entry for rel, entry in self.previous.items() if entry.module in carry
        }
        self.stubs: list[Page] = [
            Page(PageKind(e.kind), e.module, rel, "") for rel, e in self.entries.items()
        ]
        self.seen: set[str] = set(self.entries)
        self.written: list[str] = []
        self.unchanged: list[str] = []
        self.kept: list[str] = []

    def write(self, page: Page) -> None:
        """Write one page now (atomically, and only when its text changed)."""
        rel = page.rel_path
        if not _safe_rel(rel) or not rel.endswith(".md"):
            raise SiteError(f"bad page path {rel!r}", path=self.out_dir)
        if rel in self.seen:
            raise SiteError(f"two pages for {rel!r}", path=self.out_dir)
        self.seen.add(rel)
        self.stubs.append(Page(page.kind, page.module, rel, ""))
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
        changed = _write_atomic(target, data)
        (self.written if changed else self.unchanged).append(rel)
        self.entries[rel] = ManifestEntry(
            module=page.module,
            kind=str(page.kind),
            source_hash=page.source_hash or self.hashes.get(page.module, ""),
            sha256=_sha256(data),
            title=page.title,
            complete=page.complete,
        )

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
        yml_text, yml_new, warnings = _plan_mkdocs_yml(
            self.mkdocs_yml,
            site_name=self.site_name,
            lang=self.lang,
            out_dir=self.out_dir,
            nav=nav,
            titles=self.titles,
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

        _write_atomic(
            os.path.join(self.out_dir, MANIFEST_NAME),
            _manifest_bytes(
                self.entries,
                fingerprint=self.fingerprint,
                lang=self.lang,
                template_hash=self.template_hash,
            ),
        )
        yml_changed = _write_atomic(self.mkdocs_yml, yml_text.encode("utf-8"))
        status = "created" if yml_new else ("updated" if yml_changed else "unchanged")
        return SiteResult(
            written=tuple(self.written),
            unchanged=tuple(self.unchanged),
            removed=tuple(removed),
            kept=tuple(sorted(self.kept)),
            mkdocs_yml=status,
            warnings=tuple(self.warnings + warnings),
        )


def write_site(pages: Sequence[Page], **options: Any) -> SiteResult:
    """Write ``pages`` under ``out_dir``, remove stale ones, update mkdocs.yml and the manifest.

    Options (keyword-only): ``out_dir``, ``mkdocs_yml``, ``site_name``, ``lang``, and optionally
    ``titles``, ``source_hashes``, ``overwrite``, ``carry``, ``fingerprint``, ``template_hash``.

    A page whose text is unchanged is not touched. A file that exists, is not in the manifest
    and differs from the page is the user's: it is left alone and listed in ``kept`` unless
    ``overwrite``. A page from the last run that is not written now is removed when it is still
    as docgen wrote it (an edited one is kept and listed in ``kept``); emptied folders go too.
    ``titles`` holds the nav titles (``home``, ``reference``, ``usage``) and the palette toggle
    labels (``palette_dark``, ``palette_light``); ``source_hashes`` maps module -> sha256 for
    pages that carry none. ``carry`` names modules not rendered in this run (unchanged, or
    outside ``--changed-since``) whose pages from the last run stay as they are, in the nav and
    the manifest. ``fingerprint`` and ``template_hash`` are stored in the manifest for the next
    run and ``docgen check`` to compare.
    """
    writer = SiteWriter(**options)
    for page in sorted(pages, key=lambda p: p.rel_path):
        writer.write(page)
    return writer.finish()


def build_site(mkdocs_yml: str, *, strict: bool = True) -> int:
    """Run ``mkdocs build`` on ``mkdocs_yml``; its output streams through; returns its exit code."""
    command = [sys.executable, "-m", "mkdocs", "build", "-f", mkdocs_yml]
    if strict:
        command.insert(4, "--strict")
    try:
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
        return subprocess.run(command, check=False, env=env).returncode
    except OSError as exc:
        raise SiteError(f"cannot run mkdocs: {exc}", path=mkdocs_yml) from exc
