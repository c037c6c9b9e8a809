"""store.plan: docgen check (pages against the manifest and the sources, by hashes only)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from docgen.errors import SiteError
from docgen.model import SourceFile
from docgen.site import MANIFEST_NAME, read_manifest
from docgen.store.keys import file_hash as file_sha256
from docgen.store.plan import CheckResult, check


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture()
def project(tmp_path: Path) -> tuple[list[SourceFile], Path]:
    """Two modules documented into ``docs/`` with a manifest as the site stage writes it."""
    src = tmp_path / "src" / "pkg"
    src.mkdir(parents=True)
    out = tmp_path / "docs"
    files, pages = [], {}
    for name, text in [("a", "def f():\n    return 1\n"), ("b", "X = 2\n")]:
        path = src / f"{name}.py"
        path.write_text(text, encoding="utf-8")
        files.append(SourceFile(str(path), f"pkg/{name}.py", f"pkg.{name}"))
        for kind in ("reference", "usage"):
            rel = f"{kind}/pkg/{name}.md"
            page = f"# Модуль pkg.{name} ({kind})\n".encode()
            (out / kind / "pkg").mkdir(parents=True, exist_ok=True)
            (out / rel).write_bytes(page)
            pages[rel] = {
                "module": f"pkg.{name}",
                "kind": kind,
                "source_hash": sha(path.read_bytes()),
                "sha256": sha(page),
            }
    (out / "index.md").write_text("home\n", encoding="utf-8")
    pages["index.md"] = {"module": "", "kind": "home", "source_hash": "", "sha256": "x"}
    write_manifest(out, {"version": 1, "pages": pages})
    return files, out


def write_manifest(out: Path, data: dict) -> None:
    (out / MANIFEST_NAME).write_text(json.dumps(data), encoding="utf-8")


def manifest(out: Path) -> dict:
    return json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))


def _manifest(out: Path):
    try:
        return read_manifest(str(out))
    except SiteError:
        return None


def run(files, out: Path, *, lang: str = "ru", template_hash: str = "t1") -> CheckResult:
    return check(files, _manifest(out), out_dir=str(out), lang=lang, template_hash=template_hash)


def test_up_to_date(project) -> None:
    files, out = project
    result = run(files, out)
    assert result == CheckResult((), (), (), ())
    assert result.ok


def test_no_manifest_or_a_broken_one_means_everything_missing(project, tmp_path: Path) -> None:
    files, out = project
    assert run(files, tmp_path / "nowhere").missing == ("pkg.a", "pkg.b")
    for junk in ["{not json", "[]", '{"version": 1}', '{"version": 1, "pages": []}']:
        (out / MANIFEST_NAME).write_text(junk, encoding="utf-8")
        result = run(files, out)
        assert result.missing == ("pkg.a", "pkg.b") and not result.ok, junk


def test_an_edited_source_is_stale(project) -> None:
    files, out = project
    Path(files[0].path).write_text("def f():\n    return 2\n", encoding="utf-8")
    result = run(files, out)
    assert result.stale == ("pkg.a",) and result.missing == () and not result.ok
    assert result.details == (("pkg.a", "source_changed"),)


def test_a_deleted_or_hand_edited_page_is_stale(project) -> None:
    files, out = project
    (out / "usage/pkg/a.md").unlink()
    (out / "reference/pkg/b.md").write_text("edited by hand\n", encoding="utf-8")
    result = run(files, out)
    assert result.stale == ("pkg.a", "pkg.b")
    assert dict(result.details) == {"pkg.a": "page_missing", "pkg.b": "page_edited"}


def test_other_settings_make_everything_stale(project) -> None:
    files, out = project
    data = manifest(out)
    write_manifest(out, {**data, "lang": "ru", "template_hash": "t1"})
    assert run(files, out).ok
    assert run(files, out, lang="en").stale == ("pkg.a", "pkg.b")
    assert run(files, out, template_hash="t2").stale == ("pkg.a", "pkg.b")
    write_manifest(out, {**data, "version": 99})
    result = run(files, out)
    assert result.stale == ("pkg.a", "pkg.b")
    assert set(dict(result.details).values()) == {"settings_changed"}


def test_new_modules_are_missing_and_deleted_ones_orphaned(project, tmp_path: Path) -> None:
    files, out = project
    new = tmp_path / "src" / "pkg" / "c.py"
    new.write_text("Y = 1\n", encoding="utf-8")
    Path(files[1].path).unlink()
    result = run([files[0], SourceFile(str(new), "pkg/c.py", "pkg.c")], out)
    assert result.missing == ("pkg.c",)
    assert result.orphaned == ("pkg.b",)
    assert result.stale == ()
    assert not result.ok
    assert dict(result.details) == {"pkg.c": "no_pages", "pkg.b": "not_in_sources"}


def test_an_unreadable_source_is_stale(project) -> None:
    files, out = project
    Path(files[0].path).unlink()
    assert run(files, out).stale == ("pkg.a",)


def test_file_sha256(tmp_path: Path) -> None:
    path = tmp_path / "x.py"
    path.write_bytes(b"abc")
    assert file_sha256(str(path)) == sha(b"abc")
    assert file_sha256(str(tmp_path / "missing.py")) is None


def test_a_file_the_run_skipped_is_up_to_date_until_it_changes(tmp_path) -> None:
    init = tmp_path / "pkg" / "__init__.py"
    init.parent.mkdir()
    init.write_text("# only a marker\n\n", encoding="utf-8")
    files = [SourceFile(str(init), "pkg/__init__.py", "pkg", True)]
    assert run(files, tmp_path / "docs", template_hash="t").missing == ("pkg",)  # no run yet
    skipped = {"source_hash": sha(init.read_bytes()), "path": "pkg/__init__.py", "line": None,
               "reason": "only comments, nothing to document", "quiet": True}  # fmt: skip
    (tmp_path / "docs").mkdir()
    write_manifest(tmp_path / "docs", {"version": 1, "pages": {}, "skipped": {"pkg": skipped}})
    assert run(files, tmp_path / "docs", template_hash="t").ok
    init.write_text("X = 1\n", encoding="utf-8")
    assert run(files, tmp_path / "docs", template_hash="t").stale == ("pkg",)
    assert run([], tmp_path / "docs", template_hash="t").orphaned == ("pkg",)
