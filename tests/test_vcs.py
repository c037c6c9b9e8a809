"""changed_files against a real temporary git repository."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from docgen.discover.vcs import changed_files
from docgen.errors import InputError

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args],
        cwd=repo,
        env={**os.environ, **GIT_ENV},
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def write(repo: Path, name: str, text: str = "x = 1\n") -> Path:
    path = repo / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    for name in [
        "src/pkg/__init__.py",
        "src/pkg/same.py",
        "src/pkg/edited.py",
        "src/pkg/staged.py",
        "src/pkg/gone.py",
        "src/pkg/committed.py",
        "README.md",
    ]:
        write(root, name)
    write(root, ".gitignore", "ignored.py\nbuild/\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    git(root, "tag", "base")
    return root


def test_commits_staged_unstaged_and_untracked_count(repo: Path) -> None:
    write(repo, "src/pkg/committed.py", "x = 2\n")
    git(repo, "commit", "-q", "-am", "later")
    write(repo, "src/pkg/staged.py", "x = 3\n")
    git(repo, "add", "src/pkg/staged.py")
    write(repo, "src/pkg/edited.py", "x = 4\n")
    write(repo, "src/pkg/new file ж.py")
    write(repo, "src/pkg/ignored.py")
    write(repo, "build/gen.py")
    write(repo, "README.md", "changed\n")
    (repo / "src/pkg/gone.py").unlink()
    got = changed_files("base", cwd=str(repo))
    pkg = (repo / "src/pkg").resolve()
    assert got == frozenset(
        str(pkg / name) for name in ["committed.py", "staged.py", "edited.py", "new file ж.py"]
    )


def test_nothing_changed_is_empty_and_subfolders_work(repo: Path) -> None:
    assert changed_files("base", cwd=str(repo)) == frozenset()
    assert changed_files("HEAD", cwd=str(repo / "src" / "pkg")) == frozenset()
    write(repo, "src/pkg/edited.py", "y = 1\n")
    assert changed_files("main", cwd=str(repo / "src")) == {
        str((repo / "src/pkg/edited.py").resolve())
    }


def test_changes_made_on_the_ref_after_branching_are_not_ours(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo, "src/pkg/edited.py", "mine = 1\n")
    git(repo, "commit", "-q", "-am", "mine")
    git(repo, "checkout", "-q", "main")
    write(repo, "src/pkg/committed.py", "theirs = 1\n")
    git(repo, "commit", "-q", "-am", "theirs")
    git(repo, "checkout", "-q", "feature")
    assert changed_files("main", cwd=str(repo)) == {str((repo / "src/pkg/edited.py").resolve())}


def test_unknown_ref_is_one_clear_input_error(repo: Path) -> None:
    with pytest.raises(InputError, match="unknown git ref: 'nope'") as info:
        changed_files("nope", cwd=str(repo))
    assert "\n" not in str(info.value)
    with pytest.raises(InputError, match="unknown git ref"):
        changed_files("--output=/tmp/x", cwd=str(repo))


def test_not_a_repository(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(InputError, match="not a git repository"):
        changed_files("main", cwd=str(plain))
    with pytest.raises(InputError, match="not a directory"):
        changed_files("main", cwd=str(tmp_path / "missing"))
