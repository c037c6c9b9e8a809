"""Which Python files changed since a git ref, for ``--changed-since REF`` in CI.

"Changed" is everything a reviewer would see: commits since the point where the current branch
left REF (``git merge-base REF HEAD``, so a moving ``origin/main`` does not drag in other
people's changes), plus staged and unstaged edits and untracked files that are not ignored.
Deleted files are left out: there is nothing to document. Only ``git`` itself is run; any problem
(no git, not a repository, an unknown ref) is one clear :class:`~docgen.errors.InputError`.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path

from docgen.errors import InputError

__all__ = ["GitFailed", "GitMissing", "changed_files", "git"]

GIT_TIMEOUT = 60.0  # seconds: a git call that takes longer is taken as a refusal


class GitFailed(Exception):
    """git timed out or refused; ``str()`` is its last line of output."""


class GitMissing(GitFailed):
    """git is not installed."""


def git(args: list[str], cwd: str | Path) -> bytes:
    """Run ``git ARGS`` in ``cwd`` and return its standard output (docgen's one git runner)."""
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"},
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except FileNotFoundError:
        raise GitMissing("git is not installed or not on PATH") from None
    except (OSError, subprocess.SubprocessError) as err:
        raise GitFailed(f"git {args[0]} failed: {err}") from None
    if done.returncode != 0:
        lines = os.fsdecode(done.stderr or done.stdout).strip().splitlines()
        raise GitFailed(lines[-1] if lines else f"git {args[0]} failed")
    return done.stdout


def _text(args: list[str], cwd: str | Path) -> str:
    return os.fsdecode(git(args, cwd))


def _names(output: str) -> list[str]:
    return [name for name in output.split("\0") if name]


def changed_files(ref: str, *, cwd: str = ".") -> frozenset[str]:
    """Absolute resolved paths of the ``.py`` files changed since ``ref`` (see module doc)."""
    if not Path(cwd).is_dir():
        raise InputError("not a directory", path=cwd)
    try:
        top = _text(["rev-parse", "--show-toplevel"], cwd).strip()
    except GitMissing as err:
        raise InputError(str(err)) from None
    except GitFailed:
        raise InputError("not a git repository (needed by --changed-since)", path=cwd) from None
    if ref.startswith("-"):
        raise InputError(f"unknown git ref: {ref!r}")
    try:
        commit = _text(
            ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], top
        )
    except GitFailed:
        raise InputError(
            f"unknown git ref: {ref!r} (in CI, fetch history: actions/checkout with fetch-depth: 0)"
        ) from None
    base = commit.strip()
    # no HEAD yet, or unrelated histories: compare with the ref itself
    with contextlib.suppress(GitFailed):
        base = _text(["merge-base", base, "HEAD"], top).strip() or base
    try:
        names = _names(_text(["diff", "--name-only", "-z", "--no-renames", base], top))
        names += _names(_text(["diff", "--name-only", "-z", "--no-renames", "--cached", base], top))
        names += _names(_text(["ls-files", "-z", "--others", "--exclude-standard"], top))
    except GitFailed as err:
        raise InputError(f"git failed: {err}") from None
    root = Path(top)
    out = set()
    for name in names:
        if not name.endswith(".py"):
            continue
        path = root / name
        if path.is_file():  # deleted files are not documented
            out.add(str(path.resolve()))
    return frozenset(out)
