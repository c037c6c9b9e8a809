"""The site in its ecosystem: llms.txt for coding agents, the search index, and both engines
(mkdocs build --strict and zensical build) on the bundled example."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from docgen.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "chatbot"
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
ITEM = re.compile(r"^- \[([^\]]+)\]\(([^)\s]+)\)(: .+)?$")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "DOCGEN_MODEL", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    assert main([str(EXAMPLE), "-q"]) == 0
    return tmp_path


def page_of(url: str, docs: Path) -> Path:
    """The Markdown page MkDocs serves at the directory URL ``url``."""
    stem = url.rstrip("/")
    for candidate in (docs / f"{stem}.md", docs / stem / "index.md"):
        if candidate.is_file():
            return candidate
    raise AssertionError(f"no page for {url}")


def test_llms_txt_follows_the_format_and_links_every_module(project: Path) -> None:
    docs = project / "docs"
    lines = (docs / "llms.txt").read_text("utf-8").splitlines()
    assert lines[0].startswith("# ") and lines[1] == "" and lines[2].startswith("> ")
    sections = [line for line in lines if line.startswith("## ")]
    assert sections and sections[-1] == "## Optional"
    items = [ITEM.match(line) for line in lines if line.startswith("- ")]
    assert all(items), [line for line in lines if line.startswith("- ") and not ITEM.match(line)]
    names = [m.group(1) for m in items if m]
    assert {"chatbot", "chatbot.client", "chatbot.history", "chatbot.stream"} <= set(names)
    for match in items:
        assert match is not None
        if match.group(2) != "llms-full.txt":
            page = page_of(match.group(2), docs)
            assert page.read_text("utf-8").startswith(f"# Модуль `{match.group(1)}`")
    history = next(m for m in items if m and m.group(1) == "chatbot.history")
    assert history.group(3) == ": Conversation history with a size limit."


def test_llms_full_holds_every_reference_page_in_nav_order(project: Path) -> None:
    docs = project / "docs"
    full = (docs / "llms-full.txt").read_text("utf-8")
    pages = ["index", "client", "history", "stream"]
    texts = [(docs / "reference" / "chatbot" / f"{p}.md").read_text("utf-8") for p in pages]
    positions = [full.index(t.rstrip("\n")) for t in texts]
    assert positions == sorted(positions)
    assert "## Пример использования" not in full  # usage notes are not reference pages


def test_llms_files_stay_put_on_a_rerun_and_go_with_the_setting(project: Path) -> None:
    docs = project / "docs"
    before = {p: (docs / p).stat().st_mtime_ns for p in ("llms.txt", "llms-full.txt")}
    assert main([str(EXAMPLE), "-q"]) == 0
    assert {p: (docs / p).stat().st_mtime_ns for p in before} == before
    assert main([str(EXAMPLE), "-q", "--no-llms-txt"]) == 0
    assert not (docs / "llms.txt").exists() and not (docs / "llms-full.txt").exists()
    assert main(["check", str(EXAMPLE)]) == 0


def build(engine: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "docgen", "build", "--engine", engine]
    return subprocess.run(command, capture_output=True, text=True, env=ENV, timeout=600)


@pytest.mark.parametrize("engine", ["mkdocs", "zensical"])
def test_both_engines_build_the_example_strictly(project: Path, engine: str) -> None:
    if engine == "zensical":
        pytest.importorskip("zensical")  # installed by the test extra; see README
    done = build(engine)
    assert done.returncode == 0, done.stdout + done.stderr
    site = project / "site"
    html = (site / "reference" / "chatbot" / "client" / "index.html").read_text("utf-8")
    assert 'id="точка-входа"' in html and 'id="ask"' in html  # Cyrillic and code anchors
    for name in ("llms.txt", "llms-full.txt"):
        assert (site / name).read_bytes() == (project / "docs" / name).read_bytes()
    index = site / ("search/search_index.json" if engine == "mkdocs" else "search.json")
    data = json.loads(index.read_text("utf-8"))
    entries = data.get("docs") or data.get("items")
    # a module is found by a word of its summary, a function by its name
    summary = [e for e in entries if "size limit" in e["text"] and "history" in e["location"]]
    assert summary, "the history module's summary is not in the search index"
    named = [e for e in entries if e["location"].endswith("client/#ask")]
    assert named and "ask" in named[0]["title"]


def test_a_package_page_lists_its_subtree_and_follows_it(project: Path) -> None:
    page = project / "docs" / "reference" / "chatbot" / "index.md"
    text = page.read_text("utf-8")
    assert "## Модули пакета" in text
    assert (
        "- [`chatbot.history`](history.md) — Conversation history with a size limit."
        " (2 класса, 7 функций) · [как использовать](../../usage/chatbot/history.md)"
    ) in text
    copy = project / "chatbot"
    import shutil

    shutil.copytree(EXAMPLE, copy)
    assert main([str(copy), "-q"]) == 0
    (copy / "extra.py").write_text('"""An extra module."""\n\n\ndef f():\n    return 1\n')
    assert main([str(copy), "-q"]) == 0  # the package's own file is unchanged
    text = page.read_text("utf-8")
    assert "[`chatbot.extra`](extra.md) — An extra module. (1 функция)" in text
    (copy / "extra.py").unlink()
    assert main([str(copy), "-q"]) == 0
    assert "chatbot.extra" not in page.read_text("utf-8")
    assert main(["check", str(copy)]) == 0
