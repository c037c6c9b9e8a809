"""Find the Python files to document: walking, ignore rules, symbolic links.

This is the first stage: paths in, :class:`~docgen.model.SourceFile` records out. It owns every
decision about *which* files are read — ``.gitignore``, ``--exclude`` patterns, the folders no one
wants documented (hidden ones, virtual environments, build output) and symbolic links — and how a
file is named (``src/pkg/sub/mod.py`` is ``pkg.sub.mod``). Recoverable oddities (a symlink loop, a
link leading out of the tree) become :class:`~docgen.model.Problem` values; only a path that
cannot be used at all raises :class:`~docgen.errors.InputError`.

Rules, in the order they apply to a folder given on the command line (its *root*):

* Folders below the root are skipped when hidden (``.name``), when they are a virtual environment
  (they hold ``pyvenv.cfg`` or ``conda-meta``, or are named ``venv``/``env``/``virtualenv`` and
  hold an ``activate`` script), or when named ``__pycache__``, ``site-packages``,
  ``node_modules``, ``__pypackages__`` or ``*.egg-info``; ``build`` and ``dist`` are skipped
  unless they are packages (hold ``__init__.py``). Hidden files are skipped too. The root itself
  is never skipped: naming a folder is asking for it.
* Inside a git work tree, files git ignores are skipped: git itself is asked
  (``git ls-files --cached --others --exclude-standard``); when git is missing or refuses, the
  ``.gitignore`` files and ``.git/info/exclude`` are read with ``pathspec``. A root every file
  of which git ignores is read without the ignore rules, since it was named explicitly.
  Submodules and nested repositories are read whole (their own ignore files are not applied).
* ``exclude`` patterns use gitignore syntax and are matched against paths relative to each root
  (``tests/``, ``*_pb2.py``, ``/setup.py``, ``**/migrations/``). A file given directly is matched
  against its ``rel_path``.
* Symbolic links: real folders are walked first; a linked folder is then followed only when it
  resolves inside the root and to a folder not walked yet. A link to a folder that contains it is
  reported once as ``symlink loop``; a link (to a folder or file) leading out of the root is not
  followed and reported. A file reached twice (overlapping roots, links) is listed once, under the
  path that crosses no link.

Module names come from :mod:`~docgen.discover.names`. ``rel_path`` is relative to ``root``
(default: the current directory) when the file is under it, else relative to the parent of the
path given.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pathspec

from docgen.discover.names import natural_name, unique_names
from docgen.discover.vcs import GitFailed, git
from docgen.errors import InputError
from docgen.model import Problem, SourceFile

__all__ = ["Discovery", "discover", "module_name"]

NOT_REGULAR = "not a regular file (a FIFO, socket or device): skipped"
SKIP_NAMES = frozenset({"__pycache__", "site-packages", "node_modules", "__pypackages__"})
SKIP_UNLESS_PACKAGE = frozenset({"build", "dist"})
VENV_NAMES = frozenset({"venv", "env", "virtualenv"})
VENV_MARKERS = ("pyvenv.cfg", "conda-meta")
ACTIVATE_SCRIPTS = (os.path.join("bin", "activate"), os.path.join("Scripts", "activate"))


@dataclass(frozen=True, slots=True)
class Discovery:
    """The files found, sorted by module name, and the problems met on the way."""

    files: tuple[SourceFile, ...]
    problems: tuple[Problem, ...]
    notes: tuple[str, ...] = ()  # information: what was left out on purpose


@dataclass(frozen=True, slots=True)
class _Found:
    path: str  # as found, usable with open()
    abs_path: str  # absolute, links not resolved
    real: str  # links resolved
    rel_path: str
    via_link: bool


def discover(
    paths: Sequence[str], *, exclude: Sequence[str] = (), root: str | None = None
) -> Discovery:
    """Find the ``.py`` files under ``paths`` (files or folders); see the module docstring."""
    base = os.path.abspath(root if root is not None else os.getcwd())
    excluded = pathspec.GitIgnoreSpec.from_lines(exclude) if exclude else None
    problems: list[Problem] = []
    found: list[_Found] = []
    visited: set[str] = set()
    stubs: list[str] = []
    for given in paths:
        if not os.path.exists(given):
            raise InputError("no such file or directory", path=given)
        if os.path.isdir(given):
            found.extend(_walk_root(given, base, excluded, visited, problems, stubs))
        elif given.endswith(".pyi"):
            stubs.append(given)
        elif given.endswith(".py") and not os.path.isfile(given):
            problems.append(Problem(given, None, NOT_REGULAR))
        elif given.endswith(".py"):
            item = _found(given, os.path.abspath(given), base, os.path.dirname(given))
            if excluded is None or not excluded.match_file(item.rel_path):
                found.append(item)
        else:
            raise InputError("not a Python file (expected .py or a folder)", path=given)

    unique = _dedupe(found)
    names = unique_names([natural_name(f.abs_path) for f in unique], [f.rel_path for f in unique])
    files = [
        SourceFile(
            path=f.path,
            rel_path=f.rel_path,
            module=name,
            is_package=os.path.basename(f.abs_path) == "__init__.py",
        )
        for f, name in zip(unique, names, strict=True)
    ]
    files.sort(key=lambda s: (s.module, s.rel_path))
    unique_problems = sorted(set(problems), key=lambda p: (p.path, p.line or 0, p.reason))
    notes = []
    if stubs:
        example = _show(stubs[0], base)
        notes.append(
            f"{len(stubs)} stub file(s) (.pyi, such as {example}) skipped: stubs are not documented"
        )
    return Discovery(tuple(files), tuple(unique_problems), tuple(notes))


def module_name(path: str) -> str:
    """The dotted name of the file at ``path`` from its package structure (no disambiguation)."""
    return natural_name(os.path.abspath(path))


# --------------------------------------------------------------------------------------------
# walking


def _walk_root(
    given: str,
    base: str,
    excluded: pathspec.GitIgnoreSpec | None,
    visited: set[str],
    problems: list[Problem],
    stubs: list[str],
) -> list[_Found]:
    root_real = os.path.realpath(given)
    ignore = _ignore_rules(root_real)
    rel_base = os.path.dirname(given.rstrip("/\\")) or "."
    out: list[_Found] = []
    links: list[tuple[str, str]] = []  # (found path of the link, path relative to the root)

    def walk(folder: str, rel: str, real: str) -> None:
        if real in visited:
            return
        visited.add(real)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            problems.append(Problem(_show(folder, base), None, f"cannot read folder: {exc}"))
            return
        for entry in entries:
            name = entry.name
            sub_rel = f"{rel}/{name}" if rel else name
            if name.startswith("."):
                continue
            try:
                is_link = entry.is_symlink()
                is_dir = entry.is_dir()
            except OSError:
                continue
            if is_dir:
                if _skip_dir(entry.path, name):
                    continue
                if excluded is not None and excluded.match_file(sub_rel + "/"):
                    continue
                if is_link:
                    links.append((entry.path, sub_rel))
                    continue
                sub_real = os.path.join(real, name)
                if ignore is not None and ignore.ignored(sub_real, is_dir=True):
                    continue
                walk(entry.path, sub_rel, sub_real)
            elif name.endswith((".py", ".pyi")):
                if excluded is not None and excluded.match_file(sub_rel):
                    continue
                if name.endswith(".pyi"):
                    stubs.append(entry.path)
                    continue
                if not entry.is_file():
                    reason = "broken symlink: skipped" if is_link else NOT_REGULAR
                    problems.append(Problem(_show(entry.path, base), None, reason))
                    continue
                file_real = os.path.realpath(entry.path)
                if is_link and not _inside(file_real, root_real):
                    problems.append(
                        Problem(_show(entry.path, base), None, "symlink leads out of the tree")
                    )
                    continue
                if ignore is not None and ignore.ignored(
                    os.path.join(real, name) if is_link else file_real, is_dir=False
                ):
                    continue
                out.append(_found(entry.path, os.path.abspath(entry.path), base, rel_base))

    walk(given, "", root_real)
    while links:
        links.sort()
        link, rel = links.pop(0)
        target = os.path.realpath(link)
        own = os.path.join(os.path.realpath(os.path.dirname(link)), os.path.basename(link))
        if not _inside(target, root_real):
            problems.append(Problem(_show(link, base), None, "symlink leads out of the tree"))
        elif _inside(os.path.dirname(own), target):
            problems.append(Problem(_show(link, base), None, "symlink loop"))
        elif target in visited:
            continue  # already read under its real path
        elif ignore is not None and ignore.ignored(own, is_dir=False):
            continue
        elif ignore is None or not ignore.ignored(target, is_dir=True):
            walk(link, rel, target)
    return out


def _skip_dir(path: str, name: str) -> bool:
    if name in SKIP_NAMES or name.endswith(".egg-info"):
        return True
    if name in SKIP_UNLESS_PACKAGE:
        return not os.path.isfile(os.path.join(path, "__init__.py"))
    if any(os.path.exists(os.path.join(path, marker)) for marker in VENV_MARKERS):
        return True
    return name in VENV_NAMES and any(
        os.path.isfile(os.path.join(path, script)) for script in ACTIVATE_SCRIPTS
    )


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _show(path: str, base: str) -> str:
    absolute = os.path.abspath(path)
    if _inside(absolute, base):
        return os.path.relpath(absolute, base).replace(os.sep, "/")
    return path


def _found(path: str, abs_path: str, base: str, rel_base: str) -> _Found:
    if _inside(abs_path, base):
        rel = os.path.relpath(abs_path, base)
    else:
        rel = os.path.relpath(abs_path, os.path.abspath(rel_base))
    real = os.path.realpath(abs_path)
    return _Found(
        path=os.path.normpath(path),
        abs_path=abs_path,
        real=real,
        rel_path=rel.replace(os.sep, "/"),
        via_link=real != os.path.normpath(abs_path),
    )


def _dedupe(found: Iterable[_Found]) -> list[_Found]:
    best: dict[str, _Found] = {}
    for item in found:
        current = best.get(item.real)
        if current is None or (item.via_link, item.rel_path) < (current.via_link, current.rel_path):
            best[item.real] = item
    return sorted(best.values(), key=lambda f: (f.rel_path, f.path))


# --------------------------------------------------------------------------------------------
# ignore rules


class _GitListing:
    """Files git does not ignore under one folder, as git lists them."""

    def __init__(self, folder: str, listed: Iterable[str]) -> None:
        self.folder = folder
        self.files: set[str] = set()
        self.dirs: set[str] = set()
        self.whole: set[str] = set()  # nested repositories git lists as "sub/"
        for rel in listed:
            if rel.endswith("/"):
                self.whole.add(rel.rstrip("/"))
                rel = rel.rstrip("/")
            self.files.add(rel)
            parts = rel.split("/")
            for i in range(1, len(parts)):
                self.dirs.add("/".join(parts[:i]))

    def ignored(self, real: str, *, is_dir: bool) -> bool:
        if not _inside(real, self.folder):
            return False
        rel = os.path.relpath(real, self.folder).replace(os.sep, "/")
        if rel == ".":
            return False
        parts = rel.split("/")
        for i in range(1, len(parts)):
            # a listed path above this one is a submodule or a nested repository: read it all
            prefix = "/".join(parts[:i])
            if prefix in self.whole or prefix in self.files:
                return False
        if is_dir:
            return rel not in self.dirs and rel not in self.whole and rel not in self.files
        return rel not in self.files


class _GitignoreFiles:
    """``.gitignore`` rules read with pathspec, for when git cannot be asked."""

    def __init__(self, top: str) -> None:
        self.top = top
        self.specs: dict[str, pathspec.GitIgnoreSpec | None] = {}
        exclude = os.path.join(top, ".git", "info", "exclude")
        self.info = _read_spec(exclude)

    def _spec(self, folder: str) -> pathspec.GitIgnoreSpec | None:
        if folder not in self.specs:
            self.specs[folder] = _read_spec(os.path.join(folder, ".gitignore"))
        return self.specs[folder]

    def ignored(self, real: str, *, is_dir: bool) -> bool:
        if not _inside(real, self.top) or real == self.top:
            return False
        parts = os.path.relpath(real, self.top).split(os.sep)
        # a path inside an ignored folder is ignored, whatever later rules say
        for depth in range(1, len(parts)):
            if self._decide(parts[:depth], is_dir=True):
                return True
        return self._decide(parts, is_dir=is_dir)

    def _decide(self, parts: list[str], *, is_dir: bool) -> bool:
        result = False
        suffix = "/" if is_dir else ""
        if self.info is not None:
            check = self.info.check_file("/".join(parts) + suffix)
            if check.include is not None:
                result = check.include
        for i in range(len(parts)):
            spec = self._spec(os.path.join(self.top, *parts[:i]))
            if spec is None:
                continue
            check = spec.check_file("/".join(parts[i:]) + suffix)
            if check.include is not None:
                result = check.include
        return result


def _read_spec(path: str) -> pathspec.GitIgnoreSpec | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return pathspec.GitIgnoreSpec.from_lines(fh.read().splitlines())
    except OSError:
        return None


def _git_top(folder: str) -> str | None:
    """The nearest folder at or above ``folder`` holding ``.git`` (a folder or a file)."""
    current = folder
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _ignore_rules(root_real: str) -> _GitListing | _GitignoreFiles | None:
    top = _git_top(root_real)
    if top is None:
        return None
    try:
        out = git(["ls-files", "--cached", "--others", "--exclude-standard", "-z"], root_real)
    except GitFailed:  # no git, or it refused: read the ignore files ourselves
        pass
    else:
        listed = [os.fsdecode(p) for p in out.split(b"\0") if p]
        return _GitListing(root_real, listed) if listed else None
    rules = _GitignoreFiles(top)
    if rules.ignored(root_real, is_dir=True):
        return None
    return rules
