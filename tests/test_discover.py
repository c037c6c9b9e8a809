"""Tests for docgen.discover: which files are found and how their modules are named."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from docgen.discover import discover
from docgen.errors import InputError


def make(root: Path, *files: str) -> None:
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n", encoding="utf-8")


def names(result) -> list[tuple[str, str]]:
    return [(f.module, f.rel_path) for f in result.files]


@pytest.fixture()
def cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_package_structure_names_modules(cwd: Path) -> None:
    make(cwd, "src/pkg/__init__.py", "src/pkg/sub/__init__.py", "src/pkg/sub/mod.py", "tool.py")
    result = discover(["src", "tool.py"])
    assert names(result) == [
        ("pkg", "src/pkg/__init__.py"),
        ("pkg.sub", "src/pkg/sub/__init__.py"),
        ("pkg.sub.mod", "src/pkg/sub/mod.py"),
        ("tool", "tool.py"),
    ]
    assert [f.is_package for f in result.files] == [True, True, False, False]
    assert result.problems == ()


def test_file_given_directly_is_named_by_its_package(cwd: Path) -> None:
    make(cwd, "src/pkg/__init__.py", "src/pkg/mod.py")
    [file] = discover(["src/pkg/mod.py"]).files
    assert (file.module, file.rel_path, file.path) == (
        "pkg.mod",
        "src/pkg/mod.py",
        "src/pkg/mod.py",
    )


def test_missing_path_and_non_python_file_raise_input_error(cwd: Path) -> None:
    (cwd / "notes.txt").write_text("hi", encoding="utf-8")
    with pytest.raises(InputError, match=r"^nope: no such file or directory$"):
        discover(["nope"])
    with pytest.raises(InputError, match=r"^notes.txt: not a Python file"):
        discover(["notes.txt"])


def test_skips_hidden_venv_build_and_cache_folders(cwd: Path) -> None:
    make(
        cwd,
        "app/main.py",
        "app/.hidden/x.py",
        "app/.venv/lib/y.py",
        "app/myenv/pyvenv.cfg",
        "app/myenv/lib/z.py",
        "app/venv/bin/activate",
        "app/venv/lib/z.py",
        "app/env/__init__.py",  # a package named env: kept
        "app/build/gen.py",
        "app/dist/gen.py",
        "app/__pycache__/c.py",
        "app/node_modules/n.py",
        "app/thing.egg-info/e.py",
        "app/site-packages/s.py",
        "app/.dot.py",
    )
    make(cwd, "app/lib/build/__init__.py")  # a package named build: kept
    assert names(discover(["app"])) == [
        ("build", "app/lib/build/__init__.py"),
        ("env", "app/env/__init__.py"),
        ("main", "app/main.py"),
    ]


def test_a_skipped_folder_given_explicitly_is_read(cwd: Path) -> None:
    make(cwd, "build/gen.py")
    assert names(discover(["build"])) == [("gen", "build/gen.py")]


def test_exclude_patterns_are_gitignore_style_relative_to_each_root(cwd: Path) -> None:
    make(
        cwd,
        "src/pkg/__init__.py",
        "src/pkg/api_pb2.py",
        "src/pkg/core.py",
        "src/tests/test_core.py",
        "src/setup.py",
        "src/pkg/setup.py",
    )
    result = discover(["src"], exclude=["*_pb2.py", "tests/", "/setup.py"])
    assert names(result) == [
        ("pkg", "src/pkg/__init__.py"),
        ("pkg.core", "src/pkg/core.py"),
        ("pkg.setup", "src/pkg/setup.py"),
    ]


needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git_init(path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(path)], check=True)


@needs_git
def test_gitignore_is_honoured_through_git(cwd: Path) -> None:
    git_init(cwd)
    (cwd / ".gitignore").write_text("generated/\n*_gen.py\n!keep_gen.py\n", encoding="utf-8")
    make(cwd, "app/a.py", "app/b_gen.py", "app/keep_gen.py", "app/generated/c.py")
    (cwd / "app/sub").mkdir()
    (cwd / "app/sub/.gitignore").write_text("local.py\n", encoding="utf-8")
    make(cwd, "app/sub/local.py", "app/sub/other.py")
    assert [f.rel_path for f in discover(["app"]).files] == [
        "app/a.py",
        "app/keep_gen.py",
        "app/sub/other.py",
    ]


@needs_git
def test_gitignore_fallback_without_git(cwd: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    git_init(cwd)
    (cwd / ".gitignore").write_text("generated/\n*_gen.py\n!keep_gen.py\n", encoding="utf-8")
    make(cwd, "app/a.py", "app/b_gen.py", "app/keep_gen.py", "app/generated/c.py")
    (cwd / "app/sub").mkdir()
    (cwd / "app/sub/.gitignore").write_text("local.py\n", encoding="utf-8")
    make(cwd, "app/sub/local.py", "app/sub/other.py")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert [f.rel_path for f in discover(["app"]).files] == [
        "app/a.py",
        "app/keep_gen.py",
        "app/sub/other.py",
    ]


def test_gitignore_is_not_read_outside_a_git_tree(cwd: Path) -> None:
    (cwd / ".gitignore").write_text("*.py\n", encoding="utf-8")
    make(cwd, "app/a.py")
    assert [f.rel_path for f in discover(["app"]).files] == ["app/a.py"]


@needs_git
def test_an_ignored_folder_named_explicitly_is_read(cwd: Path) -> None:
    git_init(cwd)
    (cwd / ".gitignore").write_text("gen/\n", encoding="utf-8")
    make(cwd, "gen/out.py")
    assert [f.rel_path for f in discover(["gen"]).files] == ["gen/out.py"]


def test_symlink_loop_is_reported_once(cwd: Path) -> None:
    make(cwd, "app/pkg/__init__.py", "app/pkg/mod.py")
    os.symlink("..", cwd / "app/pkg/loop")
    os.symlink(".", cwd / "app/self")
    result = discover(["app"])
    assert [f.module for f in result.files] == ["pkg", "pkg.mod"]
    assert [str(p) for p in result.problems] == [
        "app/pkg/loop: symlink loop",
        "app/self: symlink loop",
    ]


def test_symlink_out_of_tree_is_not_followed(cwd: Path) -> None:
    make(cwd, "outside/secret.py", "app/a.py")
    os.symlink(cwd / "outside", cwd / "app/ext")
    os.symlink(cwd / "outside/secret.py", cwd / "app/linked.py")
    result = discover(["app"])
    assert [f.rel_path for f in result.files] == ["app/a.py"]
    assert [str(p) for p in result.problems] == [
        "app/ext: symlink leads out of the tree",
        "app/linked.py: symlink leads out of the tree",
    ]


def test_symlink_inside_tree_is_read_once(cwd: Path) -> None:
    make(cwd, "app/real/m.py", "app/.stash/s.py")
    os.symlink("real", cwd / "app/alias")  # same files: listed once, under the real path
    os.symlink(".stash", cwd / "app/visible")  # a hidden folder reached through a link
    result = discover(["app"])
    assert [f.rel_path for f in result.files] == ["app/real/m.py", "app/visible/s.py"]
    assert result.problems == ()


def test_overlapping_paths_give_no_duplicates(cwd: Path) -> None:
    make(cwd, "src/pkg/__init__.py", "src/pkg/mod.py")
    for order in (["src", "src/pkg", "src/pkg/mod.py"], ["src/pkg/mod.py", "src/pkg", "src"]):
        assert names(discover(order)) == [
            ("pkg", "src/pkg/__init__.py"),
            ("pkg.mod", "src/pkg/mod.py"),
        ]


def test_clashing_names_are_made_distinct_deterministically(cwd: Path) -> None:
    make(cwd, "a/tool.py", "b/tool.py", "c/x/pkg/__init__.py", "d/x/pkg/__init__.py", "run.py")
    make(cwd, "scripts/run.py")
    first = discover(["a", "b", "c", "d", "run.py", "scripts"])
    second = discover(["scripts", "run.py", "d", "c", "b", "a"])
    assert names(first) == names(second)
    assert names(first) == [
        ("a.tool", "a/tool.py"),
        ("b.tool", "b/tool.py"),
        ("c.x.pkg", "c/x/pkg/__init__.py"),
        ("d.x.pkg", "d/x/pkg/__init__.py"),
        ("run", "run.py"),
        ("scripts.run", "scripts/run.py"),
    ]
    assert first.problems == ()


def test_clash_without_distinguishing_folders_gets_a_number(cwd: Path) -> None:
    make(cwd, "src/pkg/__init__.py", "src/pkg/sub.py", "src/pkg/sub/__init__.py")
    assert names(discover(["src"])) == [
        ("pkg", "src/pkg/__init__.py"),
        ("pkg.sub", "src/pkg/sub.py"),
        ("pkg.sub_2", "src/pkg/sub/__init__.py"),
    ]


def test_rel_path_outside_the_base_is_relative_to_the_given_folder(tmp_path: Path) -> None:
    make(tmp_path, "proj/pkg/__init__.py", "here/.keep")
    result = discover([str(tmp_path / "proj")], root=str(tmp_path / "here"))
    assert names(result) == [("pkg", "proj/pkg/__init__.py")]
    assert result.files[0].path == str(tmp_path / "proj/pkg/__init__.py")


@needs_git
def test_nested_repository_is_read_whole(cwd: Path) -> None:
    git_init(cwd)
    make(cwd, "app/main.py", "app/vendor/lib/core.py")
    git_init(cwd / "app/vendor/lib")
    assert sorted(f.rel_path for f in discover(["app"]).files) == [
        "app/main.py",
        "app/vendor/lib/core.py",
    ]
