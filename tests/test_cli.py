"""The command line end to end: main([...]) on small trees, exit codes, reruns, mkdocs build."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from docgen.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "chatbot"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder as the current directory, with no endpoint in the environment."""
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "DOCGEN_MODEL", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def snapshot(folder: Path) -> dict[str, int]:
    return {
        str(p.relative_to(folder)): p.stat().st_mtime_ns
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_example_package_offline_then_strict_mkdocs_build(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(EXAMPLE)]) == 0
    err = capsys.readouterr().err
    assert err.count("offline writer") == 1
    for module in ("client", "history", "stream"):
        assert (project / "docs" / "reference" / "chatbot" / f"{module}.md").is_file()
        assert (project / "docs" / "usage" / "chatbot" / f"{module}.md").is_file()
    assert (project / "docs" / "reference" / "chatbot" / "index.md").is_file()
    reference = (project / "docs" / "reference" / "chatbot" / "client.md").read_text("utf-8")
    assert reference.startswith("# Модуль `chatbot.client`")
    assert "## Точка входа" in reference
    usage = (project / "docs" / "usage" / "chatbot" / "client.md").read_text("utf-8")
    for heading in ("## Описание", "## Шаги выполнения", "## Пример использования"):
        assert heading in usage
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", "mkdocs.yml"],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert build.returncode == 0, build.stderr
    html = (project / "site" / "reference" / "chatbot" / "client" / "index.html").read_text("utf-8")
    assert 'id="точка-входа"' in html  # readable Cyrillic anchors


def test_rerun_on_unchanged_code_touches_no_file(project: Path) -> None:
    src = write(project / "src" / "calc.py", "def add(a: int, b: int) -> int:\n    return a + b\n")
    assert main([str(src.parent)]) == 0
    before = snapshot(project / "docs") | {
        "mkdocs.yml": (project / "mkdocs.yml").stat().st_mtime_ns
    }
    assert main([str(src.parent)]) == 0
    after = snapshot(project / "docs") | {"mkdocs.yml": (project / "mkdocs.yml").stat().st_mtime_ns}
    assert after == before


def test_editing_one_module_rewrites_only_its_pages(project: Path) -> None:
    write(project / "src" / "a.py", "def f():\n    return 1\n")
    write(project / "src" / "b.py", "def g():\n    return 2\n")
    assert main(["src"]) == 0
    before = snapshot(project / "docs")
    write(project / "src" / "a.py", "def f():\n    return 3\n")
    assert main(["src", "--format", "json"]) == 0
    after = snapshot(project / "docs")
    changed = {path for path in after if after[path] != before.get(path)}
    # llms-full.txt holds every reference page, the edited one too
    assert changed <= {"reference/a.md", "usage/a.md", ".docgen-manifest.json", "llms-full.txt"}
    assert "reference/a.md" in changed
    assert after["reference/b.md"] == before["reference/b.md"]


def test_json_report_on_stdout_human_output_on_stderr(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(project / "src" / "m.py", "def f(x):\n    return x\n")
    write(project / "src" / "broken.py", "def f(:\n")
    assert main(["src", "--format", "json"]) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["counts"]["offline"] == 2  # the module and its function
    assert {u["uid"] for u in report["units"]} == {"m", "m:f"}
    assert report["problems"][0]["path"].endswith("broken.py")
    assert report["problems"][0]["line"] == 1
    assert "broken.py:1:" in captured.err


def test_bad_input_is_one_line_and_the_rest_is_documented(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(project / "src" / "good.py", "X = 1\n")
    write(project / "src" / "syntax.py", "x = (\n")
    (project / "src" / "nul.py").write_bytes(b"x = 1\x00\n")
    (project / "src" / "latin.py").write_bytes(b"s = '\xff\xfe'\n")
    assert main(["src"]) == 0
    err = capsys.readouterr().err
    for name in ("syntax.py", "nul.py", "latin.py"):
        lines = [line for line in err.splitlines() if name in line]
        assert len(lines) == 1, err
    assert "Traceback" not in err
    assert (project / "docs" / "reference" / "good.md").is_file()
    assert main(["src", "--strict"]) == 1


def test_nothing_documented_is_exit_1(project: Path) -> None:
    write(project / "src" / "syntax.py", "def (\n")
    assert main(["src"]) == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["missing-folder"],
        ["--lang", "de", "."],
        ["--no-such-flag", "."],
        ["--concurrency", "0", "."],
    ],
)
def test_user_errors_are_one_line_exit_1(
    project: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {"tpl/usage.md.j2": "# Title\n{{ modul.name }}\n"},
            "tpl/usage.md.j2:2: template error: 'modul' is undefined",
        ),
        ({"tpl/reference.md.j2": "{% if %}\n"}, "tpl/reference.md.j2:1: template syntax error: "),
        ({"tpl/i18n/ru.toml": "[ref]\ntitle = \n"}, "tpl/i18n/ru.toml:2: invalid TOML: "),
        (
            {"tpl/i18n/ru.toml": "[ref]\ntitle = 3\n"},
            "tpl/i18n/ru.toml: message 'ref.title' must be text",
        ),
        (
            {"pyproject.toml": "[tool.docgen]\njobs = 'x'\n"},
            "pyproject.toml:2: [tool.docgen] jobs must be an integer, not 'x'",
        ),
        (
            {"pyproject.toml": "[tool.docgen]\njob = 2\n"},
            "pyproject.toml:2: [tool.docgen]: unknown key 'job'",
        ),
    ],
)
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_template_catalog_and_pyproject_errors_are_one_line(
    project: Path,
    capsys: pytest.CaptureFixture[str],
    files: dict[str, str],
    expected: str,
    jobs: str,
) -> None:
    for i in range(10):  # enough files for the parser pool with --jobs 2
        write(project / "src" / f"m{i}.py", f"def f{i}(x):\n    return x\n")
    (project / "tpl").mkdir()
    for name, text in files.items():
        write(project / name, text)
    assert main(["src", "--templates", "tpl", "--jobs", jobs]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert "Traceback" not in "\n".join(err)
    assert err[-1].startswith("docgen: error: ") and expected in err[-1], err
    assert len([line for line in err if line.startswith("docgen: error")]) == 1


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("docgen ")
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "--base-url" in out and "examples:" in out and "exit codes" in out


def test_check_gates_stale_pages(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write(project / "src" / "m.py", "def f():\n    pass\n")
    assert main(["check", "src"]) == 1
    assert main(["src"]) == 0
    assert main(["check", "src"]) == 0
    write(src, "def f():\n    return 1\n")
    capsys.readouterr()
    assert main(["check", "src"]) == 1
    assert "stale: m" in capsys.readouterr().out


def test_lang_en_and_user_template_override(project: Path) -> None:
    write(project / "src" / "m.py", '"""Tools."""\n\ndef f():\n    pass\n')
    write(
        project / "tpl" / "reference.md.j2",
        '{% extends "default/reference.md.j2" %}\n{% block overview %}CUSTOM OVERVIEW\n\n'
        "{% endblock %}\n",
    )
    assert main(["src", "--lang", "en", "--templates", "tpl"]) == 0
    page = (project / "docs" / "reference" / "m.md").read_text("utf-8")
    assert page.startswith("# Module `m`")
    assert "CUSTOM OVERVIEW" in page


def test_changed_since_documents_only_changed_files(project: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], check=True, capture_output=True)

    git("init", "-q")
    git("config", "user.email", "t@example.com")
    git("config", "user.name", "t")
    write(project / "src" / "a.py", "def f():\n    pass\n")
    write(project / "src" / "b.py", "def g():\n    pass\n")
    git("add", "-A")
    git("commit", "-qm", "one")
    write(project / "src" / "b.py", "def g():\n    return 2\n")
    assert main(["src", "--changed-since", "HEAD"]) == 0
    assert (project / "docs" / "reference" / "b.md").is_file()
    assert not (project / "docs" / "reference" / "a.md").exists()
    assert main(["src"]) == 0  # now everything; a later changed-since run keeps a's pages
    write(project / "src" / "b.py", "def g():\n    return 3\n")
    assert main(["src", "--changed-since", "HEAD"]) == 0
    assert (project / "docs" / "reference" / "a.md").is_file()
    nav = (project / "mkdocs.yml").read_text("utf-8")
    assert "reference/a.md" in nav and "reference/b.md" in nav


def test_worker_pool_gives_the_same_site_as_one_process(tmp_path: Path, monkeypatch) -> None:
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "DOCGEN_MODEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    for i in range(12):
        write(
            tmp_path / "src" / "pkg" / f"m{i}.py", f"def f{i}(x: int = {i}) -> int:\n    return x\n"
        )
    write(tmp_path / "src" / "pkg" / "__init__.py", "")
    write(tmp_path / "src" / "pkg" / "bad.py", "def (\n")
    sites = {}
    for jobs in ("1", "2"):
        out = f"site{jobs}"
        argv = ["src", "--jobs", jobs, "--out", out, "--mkdocs-yml", f"{out}.yml"]
        assert main([*argv, "--cache-dir", f".cache{jobs}"]) == 0
        sites[jobs] = {
            name: data
            for name, data in (
                (str(p.relative_to(tmp_path / out)), p.read_bytes())
                for p in (tmp_path / out).rglob("*.md")
            )
        }
    assert sites["1"] == sites["2"]
    assert "reference/pkg/m11.md" in sites["2"]
    assert "reference/pkg/bad.md" not in sites["2"]

    # the parses the workers made are in the cache: a re-render in English parses nothing
    from docgen.extract import extract_file

    def no_parse(file):
        assert "/m" not in file.path, f"parsed {file.path} again"
        return extract_file(file)  # files with problems are not cached: parsed again

    monkeypatch.setattr("docgen.extract.extract_file", no_parse)
    assert main(["src", "--jobs", "2", "--out", "site2", "--mkdocs-yml", "site2.yml",
                 "--cache-dir", ".cache2", "--lang", "en"]) == 0  # fmt: skip


def test_this_projects_own_site_is_up_to_date(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """docs/ is docgen's own output for docgen/: after changing the code, run `docgen docgen`."""
    monkeypatch.chdir(ROOT)
    code = main(["check", "docgen"])
    assert code == 0, "docs/ is stale, run `docgen docgen`:\n" + capsys.readouterr().out


def test_the_script_ends_with_its_exit_handlers_run_and_its_output_whole(project: Path) -> None:
    """``python -m docgen`` skips the interpreter's teardown, not what must happen at exit: the
    exit handlers run and all of the report reaches a pipe."""
    write(project / "src" / "calc.py", "def add(a, b):\n    return a + b\n")
    mark = project / "atexit-ran"
    script = (
        "import atexit, sys\n"
        f"atexit.register(lambda: open({str(mark)!r}, 'w').close())\n"
        "sys.argv = ['docgen', 'src', '--format', 'json']\n"
        "import runpy\n"
        "runpy.run_module('docgen', run_name='__main__')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=project, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["counts"]["offline"] >= 2
    assert mark.exists()
