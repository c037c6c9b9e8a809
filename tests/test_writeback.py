"""``docgen docstrings``: composed docstrings written into the code, no other byte changed."""

from __future__ import annotations

import ast
import difflib
import shutil
from pathlib import Path

import h11
import pytest
import yaml

from docgen.cli import main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "DOCGEN_MODEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def snapshot(folder: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(folder.rglob("*.py"))}


def only_insertions(before: bytes, after: bytes) -> bool:
    """Every line of ``before`` is in ``after``, in order, byte for byte (line ends included):
    the edit only inserted lines."""
    old = before.splitlines(keepends=True)
    new = after.splitlines(keepends=True)
    ops = difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes()
    return all(tag in ("equal", "insert") for tag, *_ in ops)


def strip_docstrings(source: bytes) -> str:
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree)


@pytest.mark.parametrize("tree", ["example", "fixtures", "h11", "yaml"])
def test_apply_only_adds_docstrings_and_is_idempotent(work: Path, tree: str, capsys) -> None:
    source = {
        "example": ROOT / "examples" / "chatbot",
        "fixtures": ROOT / "tests" / "fixtures",
        "h11": Path(h11.__file__).parent,  # real third-party packages
        "yaml": Path(yaml.__file__).parent,
    }[tree]
    target = work / "code"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
    before = snapshot(target)
    assert main(["docstrings", "code", "--check"]) == 1
    capsys.readouterr()
    assert main(["docstrings", "code"]) == 0  # --diff: writes nothing
    diff = capsys.readouterr().out
    assert diff.startswith("--- a/") and snapshot(target) == before
    assert main(["docstrings", "code", "--apply"]) == 0
    after = snapshot(target)
    changed = [p for p in before if after[p] != before[p]]
    assert changed
    for path in before:
        assert only_insertions(before[path], after[path]), path
        assert strip_docstrings(before[path]) == strip_docstrings(after[path]), path
    assert main(["docstrings", "code", "--apply"]) == 0
    assert snapshot(target) == after  # a second --apply changes nothing
    capsys.readouterr()
    code = main(["docstrings", "code", "--check"])
    left = capsys.readouterr().out
    assert code == 0 or all("has no docstring" in line for line in left.splitlines()[:-1])
    if tree == "example":
        assert code == 0


def test_odd_files_keep_every_other_byte(work: Path) -> None:
    code = work / "code"
    code.mkdir()
    (code / "crlf.py").write_bytes(b"import os\r\n\r\n\r\ndef f(x):\r\n    return x\r\n")
    (code / "tabs.py").write_bytes(b"class A:\n\tdef m(self, y):\n\t\t# first\n\t\treturn y\n")
    (code / "oneline.py").write_bytes(b'"""Doc."""\n\n\ndef h(): return 1\n')
    (code / "broken.py").write_bytes(b"def broken(:\n    pass\n")
    before = snapshot(code)
    assert main(["docstrings", "code", "--apply"]) == 1  # the broken file is an error
    after = snapshot(code)
    assert after[code / "broken.py"] == before[code / "broken.py"]
    assert after[code / "oneline.py"] == before[code / "oneline.py"]  # body on the def line
    for name in ("crlf.py", "tabs.py"):
        path = code / name
        assert after[path] != before[path] and only_insertions(before[path], after[path]), name
        ast.parse(after[path])
    crlf = after[code / "crlf.py"]
    assert b"\n" not in crlf.replace(b"\r\n", b"")  # every line end still CRLF
    assert b'\r\n    """' in crlf
    assert b'\n\t\t"""' in after[code / "tabs.py"]  # the body's own tabs
    assert b"\n\t\t# first" in after[code / "tabs.py"]


def test_the_file_encoding_is_kept(work: Path, capsys) -> None:
    code = work / "code"
    code.mkdir()
    latin = "# -*- coding: latin-1 -*-\nNAME = 'café'\n\n\ndef g():\n    return NAME\n"
    path = code / "latin.py"
    path.write_bytes(latin.encode("latin-1"))
    assert main(["docstrings", "code", "--apply"]) == 1  # Russian cannot be written in latin-1
    assert "latin-1" in capsys.readouterr().err and path.read_bytes() == latin.encode("latin-1")
    assert main(["docstrings", "code", "--apply", "--lang", "en"]) == 0
    after = path.read_bytes()
    assert only_insertions(latin.encode("latin-1"), after)
    text = after.decode("latin-1")
    assert text.startswith("# -*- coding: latin-1 -*-\n") and "café" in text and '"""' in text


def test_update_rewrites_only_docgens_own_docstrings(work: Path) -> None:
    code = work / "code"
    code.mkdir()
    path = code / "mod.py"
    path.write_text(
        '"""Mine."""\n\n\ndef ours(a):\n    return a\n\n\ndef theirs(b):\n'
        '    """Written by a person."""\n    return b\n',
        encoding="utf-8",
    )
    assert main(["docstrings", "code", "--apply"]) == 0
    first = path.read_text(encoding="utf-8")
    assert first.count('"""') == 6 and "Written by a person." in first
    path.write_text(first.replace("def ours(a):", "def ours(a, extra=1):"), encoding="utf-8")
    assert main(["docstrings", "code", "--apply"]) == 0
    assert path.read_text(encoding="utf-8").count("extra") == 1  # not rewritten without --update
    assert main(["docstrings", "code", "--apply", "--update"]) == 0
    updated = path.read_text(encoding="utf-8")
    assert updated.count("extra") == 2 and "Written by a person." in updated
    assert updated.count('"""') == 6 and updated.startswith('"""Mine."""')
