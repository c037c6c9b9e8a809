"""Nothing a source tree contains may break a run, a build or CI: hostile inputs, end to end.

Each test feeds docgen something real trees contain (or an attacker could write) and asserts the
promised behaviour: the run goes on, the site builds, ``docgen check`` agrees with the run.
The big cases (the standard library, 20,000 functions, parser crashes) are in
``bench/bench_hostile.py``.
"""

from __future__ import annotations

import re
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
    html = "\n".join(v for k, v in pages.items() if "/reference/" in k or "/usage/" in k)
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


ODD_FILES = {
    "odd/__init__.py": "# only marks the package\n",
    "odd/comments.py": "# a comment\n\n   # another, indented\n",
    "odd/empty.py": "",
    "odd/bom.py": "\ufeff# a comment after a byte order mark\n",
    "odd/broken.py": "def f(:\n    pass\n",
    "odd/nul.py": "x = 1\n\x00\n",
    "odd/fine.py": '"""A module."""\n\n\ndef g(x):\n    return x\n',
}


def odd_tree(root: Path) -> Path:
    for rel, text in ODD_FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    return root / "odd"


@pytest.mark.parametrize("tree", ["odd", "fixtures", "example"])
def test_check_agrees_with_the_run(
    project: Path, capsys: pytest.CaptureFixture[str], tree: str
) -> None:
    root = Path(__file__).resolve().parents[1]
    target = {
        "odd": lambda: odd_tree(project),
        "fixtures": lambda: root / "tests" / "fixtures",
        "example": lambda: root / "examples" / "chatbot",
    }[tree]()
    assert main([str(target)]) == 0
    assert main(["check", str(target)]) == 0, capsys.readouterr().out


def test_skipped_files_are_information_and_bad_ones_stay_problems(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    odd = odd_tree(project)
    assert main([str(odd), "--jobs", "1"]) == 0
    err = capsys.readouterr().err
    assert "odd/comments.py: only comments, nothing to document: skipped" in err
    assert "odd/__init__.py" not in err  # a package marker: nothing to say
    assert "odd/broken.py:1: syntax error" in err
    # a rerun reads none of the files again, yet still names the bad ones
    import docgen.extract as extract

    def no_parse(file):
        raise AssertionError(f"parsed {file.path} again")

    real_extract = extract.extract_file
    monkeypatch.setattr(extract, "extract_file", no_parse)
    assert main([str(odd), "--jobs", "1", "--strict"]) == 1  # broken.py and nul.py: problems
    err = capsys.readouterr().err
    assert "odd/broken.py:1: syntax error" in err and "(unchanged since the last run)" in err
    assert "comments.py" not in err
    # with only files that hold nothing to document, --strict passes
    for name in ("broken.py", "nul.py"):
        (odd / name).unlink()
    monkeypatch.setattr(extract, "extract_file", real_extract)
    assert main([str(odd), "--strict"]) == 0
    assert main(["check", str(odd)]) == 0


def test_an_interrupted_run_keeps_its_bookkeeping(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    src = project / "src"
    src.mkdir()
    for i in range(6):
        (src / f"m{i}.py").write_text(f"def f{i}(x):\n    return x + {i}\n", encoding="utf-8")
    from docgen.site.writer import SiteWriter

    real_write = SiteWriter.write
    calls = []

    def write_then_stop(self, page, data=None):
        calls.append(page.rel_path)
        if len(calls) == 5:
            raise KeyboardInterrupt
        real_write(self, page, data)

    monkeypatch.setattr(SiteWriter, "write", write_then_stop)
    assert main(["src", "--jobs", "1"]) == 130
    monkeypatch.setattr(SiteWriter, "write", real_write)
    written = sorted(p for p in (project / "docs").rglob("*.md"))
    assert len(written) == 4 and (project / "docs" / ".docgen-manifest.json.journal").exists()
    capsys.readouterr()
    assert main(["src", "--jobs", "1"]) == 0
    err = capsys.readouterr().err
    assert "not docgen's page" not in err
    assert not (project / "docs" / ".docgen-manifest.json.journal").exists()
    assert main(["check", "src"]) == 0


def test_stale_temporary_files_are_removed(project: Path) -> None:
    import os
    import time

    src = project / "src"
    src.mkdir()
    (src / "m.py").write_text("X = 1\n", encoding="utf-8")
    folder = project / "docs" / "reference"
    folder.mkdir(parents=True)
    old, fresh = folder / ".docgen-0123456789ab.tmp", folder / ".docgen-ba9876543210.tmp"
    old.write_text("torn")
    fresh.write_text("another run's, in flight")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    assert main(["src"]) == 0
    assert not old.exists() and fresh.exists()


CRASHES_LIBCST = "x = (a\n" + "".join(" and a\n" for _ in range(10_000)) + ")\n"  # ast: fine


def test_parser_crash_hang_and_depth_are_one_line_each(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = project / "src"
    src.mkdir()
    (src / "crash.py").write_text(CRASHES_LIBCST, encoding="utf-8")
    (src / "deep.py").write_text("x = " + "+".join(["1"] * 10_000) + "\n", encoding="utf-8")
    (src / "parens.py").write_text("x = " + "(" * 1500 + "1" + ")" * 1500 + "\n")
    (src / "wide.py").write_text("x = [" + "1, " * 30_000 + "]\n", encoding="utf-8")
    for i in range(4):
        (src / f"ok{i}.py").write_text(f"def f{i}(x):\n    return x\n", encoding="utf-8")
    assert main(["src", "--jobs", "2"]) == 0
    err = capsys.readouterr().err
    assert "src/crash.py: the parser crashed (SIGSEGV)" in err
    assert "src/deep.py: too deeply nested: Python cannot compile it either" in err
    assert "src/parens.py:1: syntax error: too many nested parentheses" in err
    assert "src/wide.py: a line of 90007 bytes (limit 50000)" in err
    assert "Traceback" not in err
    assert len(list((project / "docs" / "reference").glob("ok*.md"))) == 4
    assert main(["check", "src"]) == 0


@pytest.mark.parametrize(
    ("name", "data", "line"),
    [
        ("tok.py", b"x = 1\n" * 7 + b's = "abc\n', "tok.py:8: syntax error: unterminated string"),
        ("u16.py", "x = 1\n".encode("utf-16"), "u16.py: UTF-16 is not supported"),
        ("u16be.py", "x = 1\ny = 2\n".encode("utf-16-be"), "u16be.py: UTF-16 is not supported"),
        ("u32.py", "x = 1\n".encode("utf-32"), "u32.py: UTF-32 is not supported"),
        (
            "cst.py",
            b"def f(pars): pass\n(pars): bool = True\n",
            "cst.py:2: libcst cannot parse this (valid Python)",
        ),
    ],
)
def test_input_problems_are_one_correct_line(
    project: Path, capsys: pytest.CaptureFixture[str], name: str, data: bytes, line: str
) -> None:
    (project / name).write_bytes(data)
    (project / "fine.py").write_text("X = 1\n", encoding="utf-8")
    assert main([name, "fine.py", "--strict"]) == 1
    err = capsys.readouterr().err
    assert line in err, err
    assert "Traceback" not in err


def test_surrogates_in_docstrings_are_replaced(project: Path) -> None:
    source = '"""Doc \\ud800 here."""\n\ndef f():\n    """Bad \\udcff."""\n'
    (project / "sur.py").write_text(source + '    raise ValueError("\\ud83d")\n', encoding="utf-8")
    assert main(["sur.py"]) == 0
    page = (project / "docs" / "reference" / "sur.md").read_text(encoding="utf-8")
    assert "Doc \ufffd here" in page and "Bad \ufffd" in page
    assert main(["check", "sur.py"]) == 0


def test_fifos_and_stubs_are_skipped_with_a_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import os

    pkg = project / "pkg"
    pkg.mkdir()
    (pkg / "mod.py").write_text("X = 1\n", encoding="utf-8")
    (pkg / "mod.pyi").write_text("X: int\n", encoding="utf-8")
    os.mkfifo(pkg / "pipe.py")
    os.mkfifo(project / "given.py")
    assert main(["pkg", "given.py"]) == 0  # a FIFO is never opened: no hang
    err = capsys.readouterr().err
    assert "pkg/pipe.py: not a regular file (a FIFO, socket or device): skipped" in err
    assert "given.py: not a regular file" in err
    assert "1 stub file(s) (.pyi, such as pkg/mod.pyi) skipped" in err


def test_a_file_edited_during_the_run_is_documented_as_read(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import docgen.extract as extract

    (project / "m.py").write_text("def before():\n    pass\n", encoding="utf-8")
    real = extract.extract_file

    def edit_then_read(file):  # the run hashed the file; it changes before the parse
        (project / "m.py").write_text("def after():\n    pass\n", encoding="utf-8")
        return real(file)

    monkeypatch.setattr(extract, "extract_file", edit_then_read)
    assert main(["m.py", "--jobs", "1"]) == 0
    monkeypatch.setattr(extract, "extract_file", real)
    assert "`after`" in (project / "docs" / "reference" / "m.md").read_text(encoding="utf-8")
    assert main(["check", "m.py"]) == 0  # the page is what the file holds now
    # back to the bytes the run hashed first: their parse was never stored, so no stale page
    (project / "m.py").write_text("def before():\n    pass\n", encoding="utf-8")
    assert main(["m.py"]) == 0
    assert "`before`" in (project / "docs" / "reference" / "m.md").read_text(encoding="utf-8")


SLOW_RUN = """
import sys, time
sys.path.insert(0, {root!r})
import docgen.extract as extract
real = extract.extract_file
def slow(file):
    if "slow" in file.path:
        print("parsing the slow file", file=sys.stderr, flush=True)
        time.sleep(600)  # a parser that hangs
    return real(file)
extract.extract_file = slow
from docgen.cli import main
sys.exit(main(["src", "--jobs", "2"]))
"""


@pytest.mark.parametrize("signum", ["SIGTERM", "SIGINT"])
def test_an_interrupt_during_a_slow_file_stops_the_run_at_once(project: Path, signum: str) -> None:
    import signal
    import subprocess
    import sys
    import time

    src = project / "src"
    src.mkdir()
    (src / "slow.py").write_text("X = 1\n" * 2000, encoding="utf-8")  # the biggest: parsed first
    for i in range(8):
        (src / f"m{i}.py").write_text(f"def f{i}(x):\n    return x\n", encoding="utf-8")
    root = str(Path(__file__).resolve().parents[1])
    child = subprocess.Popen(
        [sys.executable, "-c", SLOW_RUN.format(root=root)],
        stderr=subprocess.PIPE,
        text=True,
    )
    seen = [child.stderr.readline() for _ in range(2)]
    assert any("parsing the slow file" in line for line in seen), seen
    time.sleep(0.5)  # the other worker documents the rest meanwhile
    sent = time.monotonic()
    child.send_signal(getattr(signal, signum))
    err = child.stderr.read()
    code = child.wait(30)
    assert time.monotonic() - sent < 5, "the run did not stop at once"
    assert code == 130
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert "interrupted: the pages written so far are kept" in err
    written = len(list((project / "docs").rglob("*.md")))
    assert f"pages {written} written" in err


def test_a_page_over_the_budget_is_shortened_and_says_so(project: Path) -> None:
    body = "".join(
        f'def f{i}(x: int) -> int:\n    """Add {i}."""\n    if x:\n        return x + {i}\n'
        f"    return 0\n\n\n"
        for i in range(1500)
    )
    (project / "many.py").write_text(body, encoding="utf-8")
    (project / "small.py").write_text("def g(x):\n    return x\n", encoding="utf-8")
    assert main(["many.py", "small.py", "--page-budget", "40", "-q"]) == 0
    page = (project / "docs" / "reference" / "many.md").read_text(encoding="utf-8")
    assert len(page.encode()) <= 40 * 1024
    assert "Страница сокращена, чтобы уложиться в 40 КБ" in page
    omitted = re.search(r"Не показаны определения \(функции, методы, классы\): (\d+) из 1500", page)
    assert omitted and 0 < int(omitted.group(1)) < 1500
    shown = page.count('\n### <a id="f')
    assert shown + int(omitted.group(1)) == 1500
    small = (project / "docs" / "reference" / "small.md").read_text(encoding="utf-8")
    assert "сокращена" not in small and "**Как работает функция**" in small
    assert main(["build"]) == 0


MARKING_RUN = """
import sys
sys.path.insert(0, {root!r})
from pathlib import Path
import docgen.extract as extract
real = extract.extract_file
def marking(file):
    Path({marks!r}, file.module).touch()  # in the worker: one mark per file parsed
    return real(file)
extract.extract_file = marking
from docgen.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_force_bypasses_the_parse_cache_too(project: Path) -> None:
    import subprocess
    import sys

    marks = project / "marks"
    marks.mkdir()
    (project / "m.py").write_text("X = 1\n", encoding="utf-8")
    root = str(Path(__file__).resolve().parents[1])
    script = MARKING_RUN.format(root=root, marks=str(marks))

    def parsed(*args: str) -> bool:
        for mark in marks.iterdir():
            mark.unlink()
        subprocess.run([sys.executable, "-c", script, *args], check=True, capture_output=True)
        return any(marks.iterdir())

    assert parsed("m.py")
    assert not parsed("m.py", "--lang", "en")  # every page again, the parse from the cache
    assert parsed("m.py", "--force")
