"""Nothing a source tree contains may break a run, a build or CI: hostile inputs, end to end.

Each test feeds docgen something real trees contain (or an attacker could write) and asserts the
promised behaviour: the run goes on, the site builds, ``docgen check`` agrees with the run.
The big cases (the standard library, 20,000 functions, parser crashes) are in
``bench/bench_hostile.py``.
"""

from __future__ import annotations

import sysconfig
import textwrap
from pathlib import Path

import markdown
import pytest
from mkdocs.config import load_config

from docgen.cli import main

NASTY_DOCSTRINGS = [
    "Lookbehind (?<![\\w])x and <![CDATA[ x ]]> and <!DOCTYPE html>.",
    "A comment <!-- never closed, and <?php echo 1; ?> and </div> alone.",
    "!!! warning\n    Not an admonition.",
    "??? note\n    Not a collapsible block.",
    "+-----+-----+\n| a   | b   |\n+=====+=====+\n| 1   | 2   |\n+-----+-----+",
    "Title\n=====\n\nSection\n-------\n\n***\n\n___",
    "Control: \x00 nul, \x1b[31m escape, \x07 bell, \u202e reversed, \x85 next line.",
    "{{ config }} {% raw %} <script>alert(1)</script> <b>bold</b> &amp; [link](http://x)",
]


def nasty_module(index: int, doc: str) -> str:
    value = doc.splitlines()[0].replace("\\", "\\\\").replace('"', '\\"')
    return textwrap.dedent(
        f'''\
        import re


        def f{index}(s):
            """{doc}"""
            return re.sub(r"(?<![\\w])x", "{value}", s)
        '''
    )


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "DOCGEN_MODEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def render_all(config_file: Path) -> dict[str, str]:
    """Every page of the site through Python-Markdown with the site's own extensions."""
    config = load_config(str(config_file))
    out = {}
    for page in sorted(Path(config["docs_dir"]).rglob("*.md")):
        md = markdown.Markdown(
            extensions=config["markdown_extensions"], extension_configs=config["mdx_configs"]
        )
        out[page.as_posix()] = md.convert(page.read_text(encoding="utf-8"))
    return out


def test_nasty_docstrings_and_code_render_literally_and_build(project: Path) -> None:
    src = project / "src"
    src.mkdir()
    for index, doc in enumerate(NASTY_DOCSTRINGS):
        (src / f"m{index}.py").write_text(nasty_module(index, doc), encoding="utf-8")
    assert main(["src", "-q"]) == 0
    pages = render_all(project / "mkdocs.yml")  # raises on what crashes MkDocs
    html = "\n".join(pages.values())
    for made in ('class="admonition', "<details", "<table", "<hr", "<script", "<b>bold"):
        assert made not in html, made
    text = "".join(p.read_text(encoding="utf-8") for p in (project / "docs").rglob("*.md"))
    for invisible in ("\x00", "\x1b", "\x07", "\u202e", "\x85"):
        assert invisible not in text, repr(invisible)
    assert "(?&lt;![\\w])x" in html or "(?&#60;&#33;&#91;&#92;w&#93;)x" in html
    assert main(["build"]) == 0


def test_real_html_and_email_code_builds(project: Path) -> None:
    """The standard library's own HTML parsers: full of <![, <!-- and </ in code and prose."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    assert main([str(stdlib / "html"), str(stdlib / "_markupbase.py"), "-q"]) == 0
    render_all(project / "mkdocs.yml")
    assert main(["check", str(stdlib / "html"), str(stdlib / "_markupbase.py")]) == 0
