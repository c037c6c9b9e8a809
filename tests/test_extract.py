"""docgen.extract: records from source, exact text, bad input, and the process pool."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import docgen.extract.parse as extract
import docgen.extract.pool as extract_pool
from docgen.errors import ExtractError
from docgen.extract import extract_all, extract_file, extract_source
from docgen.model import FlowKind, ModuleInfo, ParamKind, Problem, SourceFile, UnitKind
from docgen.store.cache import Cache


def ex(code: str, **kw) -> ModuleInfo:
    return extract_source(textwrap.dedent(code), module="pkg.m", path="pkg/m.py", **kw)


# -- module level -----------------------------------------------------------------------------


def test_module_docstring_imports_and_attributes():
    info = ex(
        '''
        """Module summary.

            Indented detail.
              More indented.
        """
        import os.path, sys as system
        from . import sibling
        from ..core.util import helper as h, other
        from typing import *
        try:
            import ujson as json
        except ImportError:
            import json

        LIMIT: int = 10
        """How many at most."""
        a = b = compute()
        x, y = 1, 2
        '''
    )
    assert info.docstring == "Module summary.\n\nIndented detail.\n  More indented."
    imports = [(i.module, i.name, i.alias, i.level, i.line) for i in info.imports]
    assert imports == [
        (None, "os.path", None, 0, 7),
        (None, "sys", "system", 0, 7),
        ("", "sibling", None, 1, 8),
        ("core.util", "helper", "h", 2, 9),
        ("core.util", "other", None, 2, 9),
        ("typing", "*", None, 0, 10),
        (None, "ujson", "json", 0, 12),
        (None, "json", None, 0, 14),
    ]
    assert [i.bound for i in info.imports[:3]] == ["os", "system", "sibling"]
    attrs = {a.name: a for a in info.attributes}
    assert attrs["LIMIT"].annotation == "int"
    assert attrs["LIMIT"].value == "10"
    assert attrs["LIMIT"].docstring == "How many at most."
    assert attrs["LIMIT"].line == 16
    assert attrs["a"].value == attrs["b"].value == "compute()"
    assert attrs["x"].value is None  # unpacked: not bound to the whole tuple
    # The try block is module code; the docstring string is not.
    kinds = [s.kind for s in info.statements]
    assert kinds == [FlowKind.TRY, FlowKind.STATEMENT, FlowKind.STATEMENT, FlowKind.STATEMENT]
    assert [c.name for c in info.calls] == ["compute"]


def test_main_block_and_reversed_comparison():
    info = ex(
        """
        def main():
            pass

        setup()

        if __name__ == "__main__":
            main()
            sys.exit(0)
        """
    )
    main = info.main_block
    assert main is not None
    assert (main.line_start, main.line_end) == (7, 9)
    assert main.source == 'if __name__ == "__main__":\n    main()\n    sys.exit(0)'
    assert [c.name for c in main.calls] == ["main", "sys.exit"]
    assert [n.label for n in main.flow] == ["main()", "sys.exit(0)"]
    assert [s.label for s in info.statements] == ["setup()"]  # the main block is not in here
    reversed_ = ex("if '__main__' == __name__:\n    run()\n")
    assert reversed_.main_block is not None
    assert reversed_.statements == ()
    other = ex("if __name__ == 'lib':\n    run()\n")
    assert other.main_block is None


def test_script_module_seed_003_shape():
    info = ex(
        """
        from openai import OpenAI

        client = OpenAI(
            base_url="http://127.0.0.1:8000/v1",
            api_key="unused",
        )
        stream = client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "Hi"}],
            stream=True,
        )
        for chunk in stream:
            print(chunk.choices[0].delta.content or "", end="")
        """
    )
    assert info.is_script
    assert [s.kind for s in info.statements] == [
        FlowKind.STATEMENT,
        FlowKind.STATEMENT,
        FlowKind.FOR,
    ]
    assert info.statements[0].calls == ("OpenAI",)
    assert info.statements[1].calls == ("client.chat.completions.create",)
    assert info.statements[2].label == "chunk in stream"
    assert [c.name for c in info.calls] == ["OpenAI", "client.chat.completions.create", "print"]
    assert [a.name for a in info.attributes] == ["client", "stream"]
    assert info.line_count == 14


# -- classes ----------------------------------------------------------------------------------


def test_class_bases_decorators_attributes_methods_nested():
    info = ex(
        '''
        @dataclass(frozen=True)
        class Store(Base, Mixin, metaclass=ABCMeta):
            """A store.

            More.
            """

            kind: str = "memory"
            """The backend."""
            size: int

            def __init__(self, path, size=0):
                self.path = path
                if size:
                    self.size = size
                self._cache: dict = {}

            def get(self, key):
                return self._cache[key]

            class Entry:
                ttl = 5

                def touch(self):
                    pass
        '''
    )
    (cls,) = info.classes
    assert cls.uid == "pkg.m:Store"
    assert cls.kind is UnitKind.CLASS
    assert cls.bases == ("Base", "Mixin", "metaclass=ABCMeta")
    assert cls.decorators == ("dataclass(frozen=True)",)
    assert cls.docstring == "A store.\n\nMore."
    assert (cls.line_start, cls.line_end) == (3, 26)
    assert cls.source.startswith("@dataclass(frozen=True)\nclass Store(")
    attrs = [(a.name, a.annotation, a.value, a.docstring) for a in cls.attributes]
    assert attrs == [
        ("kind", "str", '"memory"', "The backend."),
        ("size", "int", None, None),
        ("path", None, "path", None),
        ("_cache", "dict", "{}", None),
    ]
    assert [m.qualname for m in cls.methods] == ["Store.__init__", "Store.get"]
    assert {m.kind for m in cls.methods} == {UnitKind.METHOD}
    (inner,) = cls.classes
    assert inner.qualname == "Store.Entry"
    assert inner.methods[0].uid == "pkg.m:Store.Entry.touch"
    assert [c.qualname for c in info.all_classes()] == ["Store", "Store.Entry"]
    assert not info.is_script


def test_overloads_and_property_accessors_have_distinct_uids():
    info = ex(
        """
        class C:
            @overload
            def get(self, k: int) -> int: ...
            @typing.overload
            def get(self, k: str) -> str: ...
            def get(self, k):
                return k

            @property
            def name(self):
                return self._name
            @name.setter
            def name(self, value):
                self._name = value
            @name.deleter
            def name(self):
                del self._name
        """
    )
    methods = info.classes[0].methods
    assert [m.uid for m in methods] == [
        "pkg.m:C.get",
        "pkg.m:C.get#1",
        "pkg.m:C.get#2",
        "pkg.m:C.name",
        "pkg.m:C.name#1",
        "pkg.m:C.name#2",
    ]
    assert [m.is_overload for m in methods[:3]] == [True, True, False]
    assert [m.property_role for m in methods[3:]] == ["getter", "setter", "deleter"]
    assert len({m.uid for m in info.all_functions()}) == 6


# -- functions --------------------------------------------------------------------------------


def test_function_signature_source_and_docstring():
    info = ex(
        '''
        import functools

        @functools.lru_cache(maxsize=None)
        @trace
        async def fetch(url: str, /, retries: int = 3, *urls: str, timeout: float = 1.5,
                        verbose, **options: Any) -> dict[str, Any]:
            """Fetch a URL.

            Args:
                url: where.
            """
            return {}
        '''
    )
    (fn,) = info.functions
    assert fn.uid == "pkg.m:fetch"
    assert fn.kind is UnitKind.FUNCTION
    assert fn.is_async
    assert fn.decorators == ("functools.lru_cache(maxsize=None)", "trace")
    assert (fn.line_start, fn.line_end) == (6, 13)
    assert fn.source.startswith("@functools.lru_cache(maxsize=None)\n@trace\nasync def fetch(")
    assert fn.source.endswith("    return {}")
    assert fn.docstring == "Fetch a URL.\n\nArgs:\n    url: where."
    params = [(p.name, p.kind, p.annotation, p.default) for p in fn.params]
    assert params == [
        ("url", ParamKind.POSITIONAL_ONLY, "str", None),
        ("retries", ParamKind.POSITIONAL_OR_KEYWORD, "int", "3"),
        ("urls", ParamKind.VAR_POSITIONAL, "str", None),
        ("timeout", ParamKind.KEYWORD_ONLY, "float", "1.5"),
        ("verbose", ParamKind.KEYWORD_ONLY, None, None),
        ("options", ParamKind.VAR_KEYWORD, "Any", None),
    ]
    assert fn.returns == "dict[str, Any]"
    assert fn.return_values == ("{}",)
    assert [n.kind for n in fn.flow] == [FlowKind.RETURN]  # the docstring is not flow


def test_raises_returns_yields_and_calls():
    info = ex(
        """
        def work(self, data):
            if not data:
                raise errors.BadInput("no data given")
            if data is None:
                raise ValueError(f"bad {data}")
            try:
                self.client.send(data, key=lambda d: d.key())
            except OSError:
                raise
            def helper():
                raise KeyError("hidden")
                inner_call()
            result = [transform(x) for x in data]
            yield result
            return (
                result
            )
        """
    )
    (fn,) = info.functions
    assert [(r.exception, r.message, r.line) for r in fn.raises] == [
        ("errors.BadInput", "no data given", 4),
        ("ValueError", None, 6),
        (None, None, 10),
    ]
    assert fn.return_values == ("result",)  # the expression, without its parentheses
    assert fn.yields and fn.returns_value
    calls = [(c.name, c.line) for c in fn.calls]
    assert calls == [
        ("errors.BadInput", 4),
        ("ValueError", 6),
        ("self.client.send", 8),
        ("d.key", 8),
        ("transform", 14),
    ]


def test_modern_syntax_pep695_fstrings_walrus_async_comprehension():
    info = ex(
        """
        type Pair[T] = tuple[T, T]

        class Box[T: (int, str), *Ts, **P]:
            def get[U](self, default: U) -> T | U:
                return f"{self.items["key"]!r:>{width}}"

        async def gather(src):
            if (n := len(src)) > 0:
                return [x async for x in src if await ok(x)]

        @(lambda f: f)
        def décoré(ключ: str = "значение") -> None:
            return None
        """
    )
    assert info.attributes[0].name == "Pair"
    assert info.attributes[0].value == "tuple[T, T]"
    (box,) = info.classes
    assert box.type_params == "[T: (int, str), *Ts, **P]"
    (get,) = box.methods
    assert get.type_params == "[U]"
    assert get.return_values == ('f"{self.items["key"]!r:>{width}}"',)
    gather, decorated = info.functions
    assert gather.flow[0].label == "(n := len(src)) > 0"
    assert [c.name for c in gather.calls] == ["len", "ok"]
    assert decorated.name == "décoré"
    assert decorated.decorators == ("(lambda f: f)",)
    assert decorated.params[0].default == '"значение"'


# -- exact source text ------------------------------------------------------------------------


def test_crlf_tabs_and_non_ascii_are_sliced_exactly():
    code = 'x = "é"\r\n\r\nclass Ä:\r\n\tdef ñ(self, s="ü"):\r\n\t\treturn s + "☃"\r\n'
    info = extract_source(code, module="m", path="m.py")
    (method,) = info.classes[0].methods
    assert method.source == '\tdef ñ(self, s="ü"):\r\n\t\treturn s + "☃"'
    assert info.classes[0].source == code[code.index("class") :].rstrip("\r\n")
    assert method.params[1].default == '"ü"'
    assert method.return_values == ('s + "☃"',)
    assert method.line_start == 4
    assert info.source == code
    assert info.line_count == 5


def test_bom_and_latin1_coding_cookie():
    bom = b'\xef\xbb\xbf"""Doc."""\ndef f():\n    return "\xc3\xa9"\n'
    info = extract_source(bom, module="m", path="m.py")
    assert info.source.startswith('"""Doc."""')
    assert info.functions[0].return_values == ('"é"',)
    assert info.functions[0].line_start == 2
    latin = b'# -*- coding: latin-1 -*-\ndef f(a="\xe9"):\n    return "\xfc"\n'
    info = extract_source(latin, module="m", path="m.py")
    (fn,) = info.functions
    assert fn.params[0].default == '"é"'
    assert fn.source == 'def f(a="é"):\n    return "ü"'
    assert len(info.source_hash) == 64


# -- bad input --------------------------------------------------------------------------------


def test_syntax_error_raises_with_line():
    with pytest.raises(ExtractError) as caught:
        ex("def ok():\n    pass\n\ndef broken(:\n    pass\n")
    problem = caught.value.problem
    assert problem.path == "pkg/m.py"
    assert problem.line in (4, 5)
    assert problem.reason.startswith("syntax error")


def test_node_checks_are_skipped_only_while_parsing_text_ast_accepts(monkeypatch):
    import libcst as cst

    checked: list[str] = []
    check = cst.CSTNode.__dict__["__post_init__"]

    def counting(self: cst.CSTNode) -> None:
        checked.append(type(self).__name__)
        check(self)

    monkeypatch.setattr(cst.CSTNode, "__post_init__", counting)
    ex("def f(a):\n    return a + 1\n")  # valid for this Python's ast: no node checked
    assert checked == []
    assert cst.CSTNode.__dict__["__post_init__"] is counting  # put back after the parse
    with pytest.raises(cst.CSTValidationError):  # hand-built trees are still checked
        cst.Name("not a name")
    checked.clear()
    with pytest.raises(ExtractError):  # ast refuses it: libcst decides, with its checks
        ex("def broken(:\n    pass\n")
    with pytest.raises(ExtractError):
        ex("x = (1 +\n")
    ex("type Alias = list[int]\n")  # 3.12 syntax: masked for a 3.11 ast, checked by libcst
    import sys

    assert (checked != []) is (sys.version_info < (3, 12))


class _Native:
    """Stands for libcst's native module: ``parse_module`` runs ``before`` (what native code
    does while it parses: look node classes up in ``libcst`` and call them, import ``libcst``)
    and then the real parser."""

    def __init__(self, before):
        from libcst import native

        self.before, self.real = before, native

    def parse_module(self, text, encoding):
        self.before()
        return self.real.parse_module(text, encoding)


def test_verdict_parse_builds_no_node_and_puts_the_classes_back(monkeypatch):
    import builtins

    import libcst as cst

    from docgen.extract import parse

    made: list[object] = []

    def building() -> None:  # as native code builds a node and imports libcst for each
        made.append(cst.Name(value="probe"))
        made.append(builtins.__import__("libcst", {}, {}, ["__doc__"], 0))

    monkeypatch.setattr(parse, "native", _Native(building))
    ex("def f(a):\n    return a + 1\n")
    assert made == ["", ""]  # no node made, no import run
    assert cst.Name(value="x").value == "x"  # the real classes again after the parse
    assert builtins.__import__("libcst", {}, {}, ["__doc__"], 0) is cst  # and the real import
    with pytest.raises(ExtractError, match="libcst cannot parse this"):
        ex("def f(pars): pass\n(pars): bool = True\n")  # ast accepts it, libcst does not
    assert cst.Name(value="y").value == "y"  # put back after a syntax error too
    with pytest.raises(cst.CSTValidationError):  # hand-built trees are still checked
        cst.Name("not a name")


def test_verdict_parse_leaves_imports_alone_while_another_thread_runs(monkeypatch):
    import builtins
    import threading

    import libcst as cst

    from docgen.extract import parse

    seen: list[object] = []
    monkeypatch.setattr(parse, "native", _Native(lambda: seen.append(builtins.__import__)))
    release = threading.Event()
    other = threading.Thread(target=release.wait, args=(10,))
    other.start()
    try:
        ex("x = 1\n")
    finally:
        release.set()
        other.join()
    assert seen == [builtins.__import__]  # another thread may import meanwhile: left real
    assert cst.Name(value="x").value == "x"


def test_verdict_parse_falls_back_to_real_nodes_when_a_node_is_used(monkeypatch):
    import libcst as cst

    from docgen.extract import parse

    used: list[str] = []

    def using() -> None:  # a parser that reads back a field of a node it made
        used.append(cst.Name(value="probe").value)  # AttributeError: no node was made

    monkeypatch.setattr(parse, "native", _Native(using))
    real_parse = cst.parse_module
    parsed: list[str] = []
    monkeypatch.setattr(cst, "parse_module", lambda text: parsed.append(text) or real_parse(text))
    info = ex("def f(a):\n    return a\n")
    assert used == [] and parsed == ["def f(a):\n    return a\n"]  # parsed again, for real
    assert [fn.name for fn in info.functions] == ["f"]


def test_verdict_fallback_ignores_node_checks_as_the_verdict_always_did(monkeypatch):
    import libcst as cst

    from docgen.extract import parse

    def using() -> None:
        cst.Name(value="probe").value  # noqa: B018 - fails with no node made: the fallback runs

    monkeypatch.setattr(parse, "native", _Native(using))
    monkeypatch.setattr(cst, "parse_module", lambda text: cst.Name("not a name"))  # a check fails
    info = ex("def f(a):\n    return a\n")  # documented, not a crash
    assert [fn.name for fn in info.functions] == ["f"]


@pytest.mark.parametrize(
    ("data", "reason", "line"),
    [
        (b"", "empty file, nothing to document", None),
        (b"  \n\t\n", "empty file, nothing to document", None),
        (b"# just a comment\n# and another\n", "only comments, nothing to document", None),
        (b"x = 1\ny = 2\0\n", "file contains NUL bytes", 2),
        (b"x = 1\ny = '\xff\xfe'\n", "cannot decode the file", 2),
        (b"# coding: no-such-codec\nx = 1\n", "cannot decode the file", None),
    ],
)
def test_bad_input_gives_one_clear_problem(tmp_path, data, reason, line):
    path = tmp_path / "bad.py"
    path.write_bytes(data)
    result = extract_file(SourceFile(str(path), "bad.py", "bad"))
    assert result.module is None
    assert isinstance(result.problem, Problem)
    assert result.problem.reason.startswith(reason)
    assert result.problem.line == line
    assert result.problem.path == "bad.py"


def test_too_large_files(tmp_path, monkeypatch):
    path = tmp_path / "gen.py"
    path.write_text("x = 1\n" * 40)
    monkeypatch.setattr(extract, "MAX_LINES", 30)
    result = extract_file(SourceFile(str(path), "gen.py", "gen"))
    assert result.problem is not None
    assert result.problem.reason.startswith("file too large (40 lines")
    monkeypatch.setattr(extract, "MAX_BYTES", 100)
    result = extract_file(SourceFile(str(path), "gen.py", "gen"))
    assert result.problem is not None
    assert result.problem.reason.startswith("file too large (over 100 bytes")


def test_unreadable_file(tmp_path):
    missing = extract_file(SourceFile(str(tmp_path / "nope.py"), "nope.py", "nope"))
    assert missing.problem is not None
    assert missing.problem.reason.startswith("cannot read the file")
    directory = extract_file(SourceFile(str(tmp_path), "dir.py", "dir"))
    assert directory.problem is not None
    assert directory.problem.reason.startswith("cannot read the file")


def test_syntax_error_from_file_is_a_problem(tmp_path):
    path = tmp_path / "broken.py"
    path.write_text("print('ok')\nwhile True\n    pass\n")
    result = extract_file(SourceFile(str(path), "broken.py", "broken"))
    assert result.module is None
    assert result.problem is not None and result.problem.line == 2
    assert str(result.problem).startswith("broken.py:2: syntax error")


# -- many files -------------------------------------------------------------------------------


def _tree(tmp_path: Path, count: int = 12) -> list[SourceFile]:
    files = []
    for index in range(count):
        path = tmp_path / f"mod{index}.py"
        body = "".join(f"def f{n}(x):\n    return g(x) + {n}\n" for n in range(index * 3))
        path.write_text(f'"""Module {index}."""\n{body}' if index != 5 else "def (:\n")
        files.append(SourceFile(str(path), path.name, f"mod{index}"))
    return files


def test_pool_matches_in_process(tmp_path):
    files = _tree(tmp_path)
    serial = sorted(
        extract_pool.run(files, extract_file, jobs=1), key=lambda r: files.index(r.file)
    )
    pooled = sorted(
        extract_pool.run(files, extract_file, jobs=2), key=lambda r: files.index(r.file)
    )
    assert pooled == serial
    assert sum(r.problem is not None for r in pooled) == 1
    assert pooled[11].module is not None and len(pooled[11].module.functions) == 33


def test_extract_all_stores_parses_and_reuses_them(tmp_path):
    (tmp_path / "src").mkdir()
    files = _tree(tmp_path / "src")
    with Cache(tmp_path / "cache") as cache:
        first = {r.file.module: r for r in extract_all(files, cache=cache, jobs=2)}
        again = {r.file.module: r for r in extract_all(files, cache=cache, jobs=1)}
        assert again == first
        # a parse is keyed on the bytes read: an edited file is parsed again, the rest are not
        Path(files[3].path).write_text("def changed():\n    pass\n")
        counted = _Counting()
        edited = {r.file.module: r for r in extract_all(files, cache=cache, jobs=1, then=counted)}
        assert [f.name for f in edited["mod3"].module.functions] == ["changed"]
        assert edited["mod4"] == first["mod4"]
        assert counted.seen[: len(files) - 2] == [
            f.module for f in files if f.module not in ("mod3", "mod5")
        ]
        forced = list(extract_all(files, cache=cache, jobs=1, force=True))
        assert len(forced) == len(files)


class _Counting:
    def __init__(self):
        self.seen = []

    def __call__(self, result):
        self.seen.append(result.file.module)
        return result


class _Hostile:
    """A task that crashes its worker on mod3, hangs on mod7 and allocates without end on mod9."""

    def __call__(self, file: SourceFile) -> str:
        if file.module == "mod3":
            os.kill(os.getpid(), signal.SIGSEGV)
        if file.module == "mod7":
            time.sleep(3600)
        if file.module == "mod9":
            hoard = bytearray(2 * 1024**3)  # over the cap at once: no time spent filling it
            return str(len(hoard))
        return file.module


def _failed(file: SourceFile, reason: str) -> str:
    return f"{file.module}: {reason}"


def test_a_crash_a_hang_and_a_memory_hog_cost_one_line_each(tmp_path):
    files = _tree(tmp_path)
    started = time.monotonic()
    results = set(
        extract_pool.run(
            files, _Hostile(), on_failure=_failed, jobs=2, timeout=2.0, memory=512 * 1024**2
        )
    )
    assert time.monotonic() - started < 30
    assert "mod3: the parser crashed (SIGSEGV)" in results
    assert "mod7: the parser took longer than 2 s" in results
    assert "mod9: the parser ran out of memory" in results
    assert {r for r in results if ":" not in r} == {f.module for f in files} - {
        "mod3",
        "mod7",
        "mod9",
    }


def _raise_on_mod2(file: SourceFile) -> str:
    if file.module == "mod2":
        raise LookupError("a bug in the task")
    return file.module


def test_an_exception_in_the_task_ends_the_run_here(tmp_path):
    with pytest.raises(LookupError, match="a bug in the task"):
        list(extract_pool.run(_tree(tmp_path), _raise_on_mod2, jobs=2))


def test_plan_chunks_puts_big_files_first(tmp_path):
    files = _tree(tmp_path)
    chunks = extract_pool.plan_chunks(files, jobs=2)
    flat = [f for chunk in chunks for f in chunk]
    assert sorted(flat, key=files.index) == files
    assert flat[0].module == "mod11"  # the biggest file
    assert len(chunks) > 2


class _SlowMark:
    """A task that takes a while and leaves a mark for each file it ran on."""

    def __init__(self, marks: Path) -> None:
        self.marks = marks

    def __call__(self, file: SourceFile) -> str:
        time.sleep(0.05)
        (self.marks / file.module).touch()
        return file.module


def _marked_files(root: Path, count: int) -> tuple[list[SourceFile], Path]:
    """``count`` one-line modules under ``root/src``, and an empty folder for the marks."""
    (root / "src").mkdir()
    marks = root / "marks"
    marks.mkdir()
    files = []
    for index in range(count):
        path = root / "src" / f"m{index}.py"
        path.write_text("x = 1\n")
        files.append(SourceFile(str(path), path.name, f"m{index}"))
    return files, marks


def test_pool_abandoned_early_runs_no_queued_chunk(tmp_path):
    files, marks = _marked_files(tmp_path, 48)
    results = extract_pool.run(files, _SlowMark(marks), jobs=2)
    first = next(results)
    results.close()  # cancels the queued chunks instead of waiting for them
    assert first.startswith("m")
    # the chunks already running (and the few the executor had queued) finish; the rest never
    # start: without the cancellation every one of the 48 files would be run
    assert len(list(marks.iterdir())) < 24


def test_pool_workers_start_before_the_first_result_is_asked_for(tmp_path):
    """A model run loads the openai package while the parser workers are already at work."""
    files, marks = _marked_files(tmp_path, 4)
    results = extract_pool.run(files, _SlowMark(marks), jobs=2)
    deadline = time.monotonic() + 20
    while not any(marks.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert any(marks.iterdir())  # files were run with nothing asked of the iterator yet
    assert sorted(results) == ["m0", "m1", "m2", "m3"]


def test_a_worker_started_while_a_thread_runs_is_not_forked():
    """A model run imports the openai package in a thread while the workers parse: a worker
    replaced then (its predecessor crashed) must not be forked from a threaded process."""
    assert "fork" not in multiprocessing.get_all_start_methods() or (
        extract_pool._context().get_start_method() == "fork"
    )
    release = threading.Event()
    thread = threading.Thread(target=release.wait, daemon=True)
    thread.start()
    try:
        assert extract_pool._context().get_start_method() != "fork"
    finally:
        release.set()
        thread.join()


def test_a_crashed_worker_is_replaced_while_a_thread_runs(tmp_path):
    files = _tree(tmp_path, 6)  # mod3 crashes its worker; mod7, which hangs, is not there
    release = threading.Event()
    thread = threading.Thread(target=release.wait, daemon=True)
    thread.start()
    try:
        results = set(extract_pool.run(files, _Hostile(), on_failure=_failed, jobs=1, timeout=20))
    finally:
        release.set()
        thread.join()
    assert "mod3: the parser crashed (SIGSEGV)" in results
    assert {r for r in results if ":" not in r} == {"mod0", "mod1", "mod2", "mod4", "mod5"}


def _pid(file: SourceFile) -> int:
    return os.getpid()


def test_a_small_project_is_parsed_by_one_worker_unless_jobs_are_given(tmp_path, monkeypatch):
    """Each worker loads libcst (0.3 s of CPU): with jobs=0 a small project gets one."""
    files = []
    for index in range(8):
        path = tmp_path / f"m{index}.py"
        path.write_text("x = 1\n" * 50)
        files.append(SourceFile(str(path), path.name, f"m{index}"))
    assert len(set(extract_pool.run(files, _pid, jobs=0))) == 1
    assert len(set(extract_pool.run(files, _pid, jobs=2))) == 2  # asked for: honoured
    monkeypatch.setattr(extract_pool, "BYTES_PER_WORKER", 500)  # now it counts as big
    monkeypatch.setattr(extract_pool.os, "cpu_count", lambda: 2)
    assert len(set(extract_pool.run(files, _pid, jobs=0))) == 2


def test_the_parent_of_the_parser_workers_never_loads_libcst(tmp_path):
    """libcst (0.3 s to import) is loaded by the workers that parse, not by a model run's
    process, which only hands them files; the records they send back need no libcst either."""
    (tmp_path / "m.py").write_text("def f(a: int) -> int:\n    return a + 1\n")
    script = (
        "import sys\n"
        "from docgen.extract import extract_all\n"
        "from docgen.model import SourceFile\n"
        "from docgen.store.cache import Cache\n"
        "import docgen.pipeline, docgen.write.chat.run\n"
        "with Cache(sys.argv[2]) as cache:\n"
        "    files = [SourceFile(sys.argv[1], 'm.py', 'm')]\n"
        "    [result] = list(extract_all(files, cache=cache, jobs=1))\n"
        "assert result.module.functions[0].name == 'f', result\n"
        "print('libcst' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "m.py"), str(tmp_path / "cache")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_a_masked_f_string_gives_no_raise_message():
    """On a Python whose ast cannot read PEP 701 f-strings, they are masked as "xxx…" strings
    for positions; the filler must never pass for the code's message."""
    source = 'def f(x):\n    raise TypeError(f"bad {x!r} and {"nested"}")\n\n\n'
    source += 'def g():\n    raise ValueError("plain")\n'
    info = extract_source(source, module="m", path="m.py")
    assert [r.message for r in info.functions[0].raises] == [None]
    assert [r.message for r in info.functions[1].raises] == ["plain"]


def test_definitions_under_module_level_if_try_with_are_units() -> None:
    from docgen.extract import extract_source
    from docgen.render import Renderer
    from docgen.write.context import contexts
    from docgen.write.offline import OfflineWriter

    source = (
        '"""Money."""\nfrom decimal import Decimal\n\n'
        "try:\n    import ujson as json\nexcept ImportError:\n    import json\n\n"
        "    def dumps(x):\n        return json.dumps(x)\n\n"
        "if Decimal is float:\n    def parse_rub(text: str) -> float:\n        return float(text)\n"
        "else:\n    def parse_rub(text: str) -> Decimal:\n        return Decimal(text)\n\n"
        "    class Money:\n        '''An amount.'''\n\n"
        "with open(__file__) as fh:\n    def size() -> int:\n        return 1\n"
    )
    module = extract_source(source, module="money", path="money.py")
    found = [(f.uid, f.conditions) for f in module.functions]
    assert found == [
        ("money:dumps", (("except", "ImportError"),)),
        ("money:parse_rub", (("if", "Decimal is float"),)),
        ("money:parse_rub#1", (("else", "Decimal is float"),)),
        ("money:size", (("with", "open(__file__) as fh"),)),
    ]
    assert [(c.uid, c.conditions) for c in module.classes] == [
        ("money:Money", (("else", "Decimal is float"),))
    ]
    writer = OfflineWriter(lang="ru")
    docs = {u.uid: writer.document(u, c) for u, c in contexts(module, lang="ru")}
    page = Renderer().reference(module, docs)
    assert "*Определяется, только если `Decimal is float`.*" in page
    assert "*Определяется, только если не `Decimal is float`.*" in page
    assert "*Определяется, только если возникло исключение `ImportError`.*" in page
    assert "*Определяется, только внутри with `open(__file__) as fh`.*" in page


def test_a_module_level_lambda_is_a_function_unit() -> None:
    from docgen.render import Renderer
    from docgen.write.context import contexts
    from docgen.write.offline import OfflineWriter

    source = "import os\n\njoin = lambda base, name='x': os.path.join(base, name)\nn = lambda: 1\n"
    module = extract_source(source, module="m", path="m.py")
    join = module.functions[0]
    assert (join.qualname, join.conditions) == ("join", (("lambda", ""),))
    assert [p.name for p in join.params] == ["base", "name"] and join.params[1].default == "'x'"
    assert [c.name for c in join.calls] == ["os.path.join"]
    assert join.return_values == ("os.path.join(base, name)",)
    assert ("base", "passed", "os.path.join") in join.param_uses
    writer = OfflineWriter(lang="ru")
    docs = {u.uid: writer.document(u, c) for u, c in contexts(module, lang="ru")}
    page = Renderer().reference(module, docs)
    section = page.split('<a id="join"></a>')[1].split('<a id="n"></a>')[0]
    # the real code, not a made-up def line, and no docstring proposal (a lambda holds none)
    assert "```python\njoin = lambda base, name='x': os.path.join(base, name)\n```" in section
    assert "def join" not in section and "Предлагаемый docstring" not in section
    assert "Определяется, только присваиванием лямбда-выражения." in section
