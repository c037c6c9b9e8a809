"""``plugins: [docgen]``: mkdocs build documents the configured paths like the CLI does, and a
rebuild after one edit re-documents that file only."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from mkdocs.config import load_config

from docgen.cli import main
from docgen.mkdocs_plugin import DocgenPlugin

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "chatbot"
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
MKDOCS_YML = """\
site_name: Документация
theme:
  name: material
  language: ru
plugins:
  - search
  - docgen:
      paths: [chatbot]
"""


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix in (".md", ".txt", ".js")
    }


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "DOCGEN_MODEL", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)


def test_mkdocs_build_with_the_plugin_writes_the_cli_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_env: None
) -> None:
    cli, plugin = tmp_path / "cli", tmp_path / "plugin"
    for folder in (cli, plugin):
        shutil.copytree(EXAMPLE, folder / "chatbot")
    monkeypatch.chdir(cli)
    assert main(["chatbot", "-q"]) == 0
    (plugin / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    (plugin / "docs").mkdir()  # MkDocs wants its docs_dir to exist before any plugin runs
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict"],
        cwd=plugin, capture_output=True, text=True, env=ENV, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert tree(plugin / "docs") == tree(cli / "docs")
    assert (plugin / "mkdocs.yml").read_text(encoding="utf-8") == MKDOCS_YML  # never written
    html = (plugin / "site" / "reference" / "chatbot" / "client" / "index.html").read_text()
    assert 'id="точка-входа"' in html
    nav = (plugin / "site" / "index.html").read_text()
    assert "Справочник" in nav  # docgen's nav, given to MkDocs


class _Server:
    def __init__(self) -> None:
        self.watched: list[str] = []

    def watch(self, path: str) -> None:
        self.watched.append(path)


def test_a_rebuild_after_one_edit_redocuments_that_file_only(
    tmp_path: Path, clean_env: None
) -> None:
    shutil.copytree(EXAMPLE, tmp_path / "chatbot")
    yml = tmp_path / "mkdocs.yml"
    yml.write_text(MKDOCS_YML, encoding="utf-8")
    (tmp_path / "docs").mkdir()

    def rebuild() -> DocgenPlugin:
        # what mkdocs serve does on a change: load the config again (new plugin instances),
        # which runs each plugin's on_config
        config = load_config(str(yml))
        plugin = config.plugins["docgen"]
        config = plugin.on_config(config)
        return plugin

    first = rebuild()
    assert first.report is not None and first.report.modules == 4
    history = tmp_path / "chatbot" / "history.py"
    history.write_text(history.read_text() + "\n\ndef extra() -> int:\n    return 1\n")
    second = rebuild()
    assert second.report is not None
    assert second.report.modules == 1 and second.report.modules_skipped == 3
    assert "extra" in (tmp_path / "docs" / "reference" / "chatbot" / "history.md").read_text()
    server = _Server()
    config = load_config(str(yml))
    second.on_serve(server, config=config, builder=None)
    assert server.watched == [str((tmp_path / "chatbot").resolve())]
