"""Tests for docgen.site: page paths, writes, manifest, nav and mkdocs.yml."""

from __future__ import annotations

import json
import os
import sys
import textwrap
from pathlib import Path

import pytest

from docgen.errors import SiteError
from docgen.model import Page, PageKind
from docgen.site import (
    MANIFEST_NAME,
    build_nav,
    build_site,
    load_yaml,
    page_path,
    read_manifest,
    replace_nav,
)
from docgen.site.writer import SiteWriter

_HASHES = {"pkg": "h1", "pkg.mod": "h2"}


def write_site(pages, **options):
    """Write ``pages`` as one run does: the last manifest read, every page, then finish."""
    writer = SiteWriter(previous=read_manifest(options["out_dir"]), **options)
    for page in sorted(pages, key=lambda p: p.rel_path):
        writer.write(page)
    return writer.finish()


REF, USE, HOME = PageKind.REFERENCE, PageKind.USAGE, PageKind.HOME
TITLES = {"home": "Home", "reference": "Reference", "usage": "Usage"}


def url(path: str) -> str:
    """The URL MkDocs gives a page with use_directory_urls (README counts as index)."""
    folder, _, name = path.rpartition("/")
    stem = name[: -len(".md")]
    if stem in ("index", "README"):
        return f"{folder}/" if folder else ""
    return f"{folder}/{stem}/" if folder else f"{stem}/"


def test_page_paths_mirror_packages() -> None:
    assert page_path("", HOME, is_package=False) == "index.md"
    assert page_path("pkg.sub.mod", REF, is_package=False) == "reference/pkg/sub/mod.md"
    assert page_path("pkg.sub", REF, is_package=True) == "reference/pkg/sub/index.md"
    assert page_path("tool", USE, is_package=False) == "usage/tool.md"
    with pytest.raises(ValueError):
        page_path("pkg..mod", REF, is_package=False)


def test_page_paths_never_collide_on_files_or_urls() -> None:
    modules = [
        ("index", False),
        ("README", False),
        ("readme", False),
        ("Index", False),
        ("index~", False),
        ("pkg", True),
        ("pkg.index", False),
        ("pkg.README", False),
        ("pkg.index~", False),
        ("pkg.mod", False),
        ("pkg.index.x", False),
        ("index.pkg", True),
        ("reference", False),
    ]
    paths = [page_path(m, k, is_package=p) for m, p in modules for k in (REF, USE)]
    paths.append(page_path("", HOME, is_package=False))
    assert len(set(paths)) == len(paths)
    assert len({url(p) for p in paths}) == len(paths)
    assert page_path("index", REF, is_package=False) == "reference/index~.md"
    assert page_path("pkg.README", REF, is_package=False) == "reference/pkg/README~.md"
    assert page_path("pkg.index~", REF, is_package=False) == "reference/pkg/index~~.md"


def pages_for(*modules: tuple[str, bool], text: str = "# {m}\n") -> list[Page]:
    out = [Page(HOME, "", "index.md", "# Home\n")]
    for module, is_package in modules:
        for kind in (REF, USE):
            path = page_path(module, kind, is_package=is_package)
            digest = _HASHES.get(module, "")
            out.append(Page(kind, module, path, text.format(m=module), source_hash=digest))
    return out


def test_nav_mirrors_the_package_tree() -> None:
    pages = pages_for(("pkg", True), ("pkg.sub", True), ("pkg.sub.b", False), ("pkg.a", False))
    pages += [Page(REF, "tool", "reference/tool.md", "# tool\n")]
    nav = build_nav(pages, {"home": "Главная", "reference": "Справочник", "usage": "Использование"})
    assert nav[0] == {"Главная": "index.md"}
    assert nav[1] == {
        "Справочник": [
            {
                "pkg": [
                    "reference/pkg/index.md",
                    {"a": "reference/pkg/a.md"},  # short labels: the tree holds the path
                    {
                        "sub": [
                            "reference/pkg/sub/index.md",
                            {"b": "reference/pkg/sub/b.md"},
                        ]
                    },
                ]
            },
            {"tool": "reference/tool.md"},
        ]
    }
    assert list(nav[2]) == ["Использование"]


def write(tmp_path: Path, pages: list[Page], **kw) -> object:
    return write_site(
        pages,
        out_dir=str(tmp_path / "docs"),
        mkdocs_yml=str(tmp_path / "mkdocs.yml"),
        site_name="Demo",
        lang=kw.pop("lang", "ru"),
        titles=TITLES,
        **kw,
    )


def test_writes_only_changed_pages_and_keeps_mtime(tmp_path: Path) -> None:
    pages = pages_for(("pkg", True), ("pkg.mod", False))
    first = write(tmp_path, pages)
    assert sorted(first.written) == sorted(p.rel_path for p in pages)
    assert first.mkdocs_yml == "created"
    mod = tmp_path / "docs/reference/pkg/mod.md"
    assert mod.read_text(encoding="utf-8") == "# pkg.mod\n"
    os.utime(mod, (1_000_000, 1_000_000))
    yml_before = (tmp_path / "mkdocs.yml").stat().st_mtime_ns
    os.utime(tmp_path / "mkdocs.yml", ns=(yml_before - 10**9, yml_before - 10**9))

    changed = [
        p if p.module != "pkg" else Page(p.kind, p.module, p.rel_path, "new\n") for p in pages
    ]
    second = write(tmp_path, changed)
    assert sorted(second.written) == ["reference/pkg/index.md", "usage/pkg/index.md"]
    assert "reference/pkg/mod.md" in second.unchanged
    assert mod.stat().st_mtime == 1_000_000
    assert second.mkdocs_yml == "unchanged"
    assert (tmp_path / "mkdocs.yml").stat().st_mtime_ns == yml_before - 10**9
    assert not [p for p in (tmp_path / "docs").rglob("*.tmp")]

    manifest = read_manifest(str(tmp_path / "docs"))
    assert manifest is not None and manifest.version == 1
    entry = manifest.pages["reference/pkg/mod.md"]
    assert (entry.module, entry.kind, entry.source_hash) == ("pkg.mod", "reference", "h2")
    assert set(manifest.by_module()) == {"pkg", "pkg.mod"}
    raw = json.loads((tmp_path / "docs" / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert raw["version"] == 1 and "index.md" in raw["pages"]


def test_stale_pages_are_removed_but_never_user_files(tmp_path: Path) -> None:
    write(tmp_path, pages_for(("pkg", True), ("pkg.sub", True), ("pkg.sub.x", False)))
    user = tmp_path / "docs/reference/pkg/notes.md"
    user.write_text("mine\n", encoding="utf-8")
    (tmp_path / "docs/extra.md").write_text("mine too\n", encoding="utf-8")
    result = write(tmp_path, pages_for(("pkg", True)))
    assert sorted(result.removed) == [
        "reference/pkg/sub/index.md",
        "reference/pkg/sub/x.md",
        "usage/pkg/sub/index.md",
        "usage/pkg/sub/x.md",
    ]
    assert not (tmp_path / "docs/reference/pkg/sub").exists()  # emptied folders pruned
    assert not (tmp_path / "docs/usage/pkg/sub").exists()
    assert user.read_text(encoding="utf-8") == "mine\n"
    assert (tmp_path / "docs/extra.md").exists()


def test_edited_stale_page_and_foreign_file_are_kept(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/index.md").write_text("# My own home\n", encoding="utf-8")
    first = write(tmp_path, pages_for(("pkg", True), ("old", False)))
    assert first.kept == ("index.md",)
    assert (tmp_path / "docs/index.md").read_text(encoding="utf-8") == "# My own home\n"
    (tmp_path / "docs/reference/old.md").write_text("edited\n", encoding="utf-8")
    second = write(tmp_path, pages_for(("pkg", True)))
    assert second.kept == ("index.md", "reference/old.md")
    assert (tmp_path / "docs/reference/old.md").exists()
    assert "usage/old.md" in second.removed
    forced = write(tmp_path, pages_for(("pkg", True)), overwrite=True)
    assert "index.md" in forced.written


def test_bad_page_paths_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SiteError):
        write(tmp_path, [Page(REF, "x", "../x.md", "")])


def test_created_mkdocs_yml(tmp_path: Path) -> None:
    write_site(
        pages_for(("pkg", True)),
        out_dir=str(tmp_path / "site-docs"),
        mkdocs_yml=str(tmp_path / "mkdocs.yml"),
        site_name="Demo",
        lang="ru",
        titles={**TITLES, "reference": "Справочник"},
    )
    text = (tmp_path / "mkdocs.yml").read_text(encoding="utf-8")
    config = load_yaml(text)
    assert config["site_name"] == "Demo"
    assert config["docs_dir"] == "site-docs"
    assert config["theme"]["name"] == "material"
    assert "navigation.prune" in config["theme"]["features"]  # a page carries only its branch
    assert config["theme"]["language"] == "ru"
    assert "content.code.copy" in config["theme"]["features"]
    assert config["plugins"] == [{"search": {"lang": ["ru", "en"]}}]
    toc = {"permalink": True, "slugify": {"kwds": {"case": "lower"}}}  # the tag read as data
    assert {"toc": toc} in config["markdown_extensions"]
    fences = next(e for e in config["markdown_extensions"] if "pymdownx.superfences" in e)
    assert fences["pymdownx.superfences"]["custom_fences"][0]["name"] == "mermaid"
    assert "fence_code_format" in text  # the python tag, for Material's Mermaid fences
    assert config["validation"] == {"links": {"anchors": "warn"}}  # broken anchors fail --strict
    assert [next(iter(item)) for item in config["nav"]] == ["Home", "Справочник", "Usage"]
    assert "Справочник" in (tmp_path / "mkdocs.yml").read_text(encoding="utf-8")


USER_YML = textwrap.dedent(
    """\
    # my site
    site_name: Mine   # keep this comment
    theme:
      name: material
    nav:
    - Old: old.md
    -   Older:
          - a.md
    # a note about extensions

    markdown_extensions:
      - pymdownx.emoji:
          emoji_index: !!python/name:material.extensions.emoji.twemoji
          emoji_generator: !!python/name:material.extensions.emoji.to_svg
    extra: {x: 1}
    """
)


def test_nav_replacement_keeps_every_other_byte(tmp_path: Path) -> None:
    yml = tmp_path / "mkdocs.yml"
    yml.write_text(USER_YML, encoding="utf-8")
    result = write(tmp_path, pages_for(("pkg", True)))
    assert result.mkdocs_yml == "updated"
    text = yml.read_text(encoding="utf-8")
    before, after = USER_YML.split("nav:\n")
    assert text.startswith(before + "nav:\n- Home: index.md\n")
    assert text.endswith(after[after.index("# a note") :])
    assert "old.md" not in text
    assert load_yaml(text)["nav"][0] == {"Home": "index.md"}
    assert write(tmp_path, pages_for(("pkg", True))).mkdocs_yml == "unchanged"


def test_nav_is_appended_when_missing_and_crlf_is_kept() -> None:
    nav = [{"Home": "index.md"}]
    assert replace_nav("site_name: x", nav) == "site_name: x\nnav:\n- Home: index.md\n"
    crlf = "site_name: x\r\nnav: [a.md]\r\ntheme: {name: material}\r\n"
    assert replace_nav(crlf, nav) == (
        "site_name: x\r\nnav:\r\n- Home: index.md\r\ntheme: {name: material}\r\n"
    )


def test_unparsable_mkdocs_yml_is_an_error_before_any_write(tmp_path: Path) -> None:
    (tmp_path / "mkdocs.yml").write_text("site_name: [unclosed\n", encoding="utf-8")
    with pytest.raises(SiteError, match="cannot parse"):
        write(tmp_path, pages_for(("pkg", True)))
    assert not (tmp_path / "docs").exists()


def test_mkdocs_builds_the_generated_site_strictly(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    pages = pages_for(("pkg", True), ("pkg.index", False), ("pkg.mod", False), ("README", False))
    write_site(
        pages, out_dir="docs", mkdocs_yml="mkdocs.yml", site_name="Demo", lang="ru", titles=TITLES
    )
    assert build_site("mkdocs.yml", strict=True) == 0
    assert (tmp_path / "site/reference/pkg/index~/index.html").is_file()
    assert (tmp_path / "site/reference/README~/index.html").is_file()
    assert (tmp_path / "site/reference/pkg/index.html").is_file()


def test_missing_and_corrupt_manifest(tmp_path: Path) -> None:
    assert read_manifest(str(tmp_path)) is None
    write(tmp_path, pages_for(("pkg", True)))
    (tmp_path / "docs" / MANIFEST_NAME).write_text("{not json", encoding="utf-8")
    with pytest.raises(SiteError, match="manifest"):
        read_manifest(str(tmp_path / "docs"))
    writer = SiteWriter(out_dir=str(tmp_path / "docs"), mkdocs_yml=str(tmp_path / "mkdocs.yml"),
                        site_name="Demo", lang="ru", titles=TITLES, previous=None)  # fmt: skip
    for page in pages_for(("pkg", True)):
        writer.write(page)
    result = writer.finish()
    assert "reference/pkg/index.md" in result.unchanged  # same text: taken over again
    assert read_manifest(str(tmp_path / "docs")) is not None


def test_user_pages_stay_in_the_nav(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/guide.md").write_text("# Guide\n", encoding="utf-8")
    write(tmp_path, pages_for(("pkg", True)))
    nav = load_yaml((tmp_path / "mkdocs.yml").read_text(encoding="utf-8"))["nav"]
    assert "guide.md" in nav
    assert all(".docgen" not in json.dumps(item) for item in nav)


def test_pages_reach_the_disk_before_the_manifest_that_vouches_for_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages are written without a flush each and flushed together, before the manifest."""
    import docgen.site.writer as site_writer

    events: list[str] = []
    flush = os.fsync

    def recording_fsync(fd: int) -> None:
        events.append(os.readlink(f"/proc/self/fd/{fd}"))
        flush(fd)

    monkeypatch.setattr(site_writer.os, "fsync", recording_fsync)
    pages = pages_for(("pkg", True), ("pkg.mod", False))
    write(tmp_path, pages)
    docs = tmp_path / "docs"
    manifest = [i for i, path in enumerate(events) if ".docgen-" in path or "manifest" in path]
    flushed_pages = {str(docs / p.rel_path) for p in pages}
    assert flushed_pages <= set(events)  # every page written was flushed
    last_page = max(events.index(p) for p in flushed_pages)
    assert manifest and min(manifest) > last_page  # ... before the manifest's own flush


def _record_flushes(monkeypatch: pytest.MonkeyPatch, syncfs: object) -> list[tuple[str, str]]:
    """Record every fsync and syncfs (each still done) as (call, path of its descriptor)."""
    import docgen.site.flush as flush

    events: list[tuple[str, str]] = []
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def recording_syncfs(fd: int) -> int:
        events.append(("syncfs", os.readlink(f"/proc/self/fd/{fd}")))
        return syncfs(fd) if callable(syncfs) else syncfs  # type: ignore[no-any-return]

    monkeypatch.setattr(flush.os, "fsync", recording_fsync)
    monkeypatch.setattr(flush, "_syncfs", lambda: recording_syncfs)
    return events


def many_pages() -> list[Page]:
    from docgen.site.flush import SYNCFS_FROM

    return pages_for(("pkg", True), *((f"pkg.m{i}", False) for i in range(SYNCFS_FROM // 2)))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="syncfs is Linux's")
def test_a_big_site_is_flushed_with_one_syncfs_before_the_manifest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docgen.site.flush import _syncfs

    real = _syncfs()
    assert real is not None  # glibc and musl both have it
    events = _record_flushes(monkeypatch, real)
    write(tmp_path, many_pages())
    calls = [call for call, _ in events]
    assert calls.count("syncfs") == 1  # one file system, however many folders
    assert str(tmp_path / "docs") in events[calls.index("syncfs")][1]
    page_fsyncs = [path for call, path in events if call == "fsync" and path.endswith(".md")]
    assert page_fsyncs == []  # no page flushed on its own
    manifest = [i for i, (_, path) in enumerate(events) if ".docgen-" in path]
    assert manifest and min(manifest) > calls.index("syncfs")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/self/fd is Linux's")
@pytest.mark.parametrize("syncfs", [-1, None], ids=["syncfs-fails", "no-syncfs"])
def test_a_big_site_is_flushed_page_by_page_when_syncfs_fails_or_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, syncfs: int | None
) -> None:
    import docgen.site.flush as flush

    events = _record_flushes(monkeypatch, syncfs)
    if syncfs is None:
        monkeypatch.setattr(flush, "_syncfs", lambda: None)
    pages = many_pages()
    write(tmp_path, pages)
    flushed = {path for call, path in events if call == "fsync"}
    assert {str(tmp_path / "docs" / p.rel_path) for p in pages} <= flushed
    assert [call for call, _ in events].count("syncfs") == (1 if syncfs == -1 else 0)


def test_the_nav_reads_as_pure_python_yaml_writes_it() -> None:
    """libyaml writes the nav (it is faster); the text is what PyYAML's own emitter writes."""
    import yaml

    from docgen.site.mkdocs import _nav_text

    modules = (("pkg", True), ("pkg._private", False), ("pkg.sub", True), ("pkg.sub.x_1", False))
    pages = [*pages_for(*modules), Page(REF, "tool", "reference/tool.md", "")]
    nav = build_nav(pages, {"home": "Главная", "reference": "Справочник: «API»", "usage": "# Use"})
    pure = yaml.safe_dump(
        {"nav": nav}, allow_unicode=True, sort_keys=False, default_flow_style=False, width=4096
    )
    assert _nav_text(nav) == pure
    assert yaml.safe_load(pure)["nav"] == nav
