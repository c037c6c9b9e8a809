"""The SQLite cache (store.cache): answers, parse records, concurrency, crashes, recovery."""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from docgen.model import (
    Call,
    ClassDoc,
    ClassInfo,
    Doc,
    FlowKind,
    FlowNode,
    FunctionDoc,
    FunctionInfo,
    ModuleInfo,
    Parameter,
    ParamKind,
    UnitContext,
    UnitKind,
    Usage,
    dump_records,
)
from docgen.store.cache import Cache
from docgen.store.keys import canonical_hash
from docgen.write.context import context_hash, doc_key, unit_hash

ROOT = Path(__file__).resolve().parents[1]

SOURCE = textwrap.dedent(
    '''\
    """A box of things."""
    import os

    LIMIT = 3


    def top(a, b=1):
        """Add."""
        return a + b


    class Box:
        """Holds things."""

        size: int = 3

        def grow(self, n):
            self.size += n
            return self.size

        class Lid:
            def open(self):
                return True
    '''
)


def _slice(lines: list[str], node: ast.AST) -> str:
    first = node.decorator_list[0].lineno if getattr(node, "decorator_list", None) else node.lineno
    text = "\n".join(lines[first - 1 : node.end_lineno])
    return text[node.col_offset :]


def _function(node: ast.FunctionDef, lines: list[str], module: str, owner: str) -> FunctionInfo:
    qualname = f"{owner}.{node.name}" if owner else node.name
    return FunctionInfo(
        module=module,
        qualname=qualname,
        name=node.name,
        kind=UnitKind.METHOD if owner else UnitKind.FUNCTION,
        line_start=node.lineno,
        line_end=node.end_lineno,
        source=_slice(lines, node),
        is_async=False,
        decorators=(),
        params=tuple(Parameter(a.arg, ParamKind.POSITIONAL_OR_KEYWORD) for a in node.args.args),
        returns=None,
        docstring=ast.get_docstring(node),
        raises=(),
        return_values=(),
        yields=False,
        calls=(Call("print", node.lineno),),
        flow=(FlowNode(FlowKind.RETURN, "return", node.lineno),),
    )


def _class(node: ast.ClassDef, lines: list[str], module: str, owner: str) -> ClassInfo:
    qualname = f"{owner}.{node.name}" if owner else node.name
    return ClassInfo(
        module=module,
        qualname=qualname,
        name=node.name,
        line_start=node.lineno,
        line_end=node.end_lineno,
        source=_slice(lines, node),
        bases=(),
        decorators=(),
        docstring=ast.get_docstring(node),
        attributes=(),
        methods=tuple(
            _function(n, lines, module, qualname)
            for n in node.body
            if isinstance(n, ast.FunctionDef)
        ),
        classes=tuple(
            _class(n, lines, module, qualname) for n in node.body if isinstance(n, ast.ClassDef)
        ),
    )


def make_module(source: str = SOURCE, name: str = "pkg.box", path: str = "pkg/box.py"):
    """A ModuleInfo shaped like the extractor's, made with ast (enough for the cache)."""
    tree = ast.parse(source)
    lines = source.splitlines()
    return ModuleInfo(
        name=name,
        path=path,
        source_hash=hashlib.sha256(source.encode()).hexdigest(),
        source=source,
        docstring=ast.get_docstring(tree),
        imports=(),
        attributes=(),
        statements=(FlowNode(FlowKind.STATEMENT, "LIMIT = 3", 4, calls=("x",)),),
        main_block=None,
        classes=tuple(_class(n, lines, name, "") for n in tree.body if isinstance(n, ast.ClassDef)),
        functions=tuple(
            _function(n, lines, name, "") for n in tree.body if isinstance(n, ast.FunctionDef)
        ),
        line_count=len(lines),
    )


FDOC = FunctionDoc("Складывает.", (), "сумму", (), ("шаг",), ())
CDOC = ClassDoc("Коробка.", "", (), ())


def key(**changes: str) -> str:
    """A docs-table key: the cache stores and finds strings; the write stage makes them."""
    fields = dict(uid="m:f", source_hash="s", prompt_version="1", model="x", lang="ru")
    fields.update(changes)
    return canonical_hash(sorted(fields.items()))


def blob(info: ModuleInfo) -> bytes:
    return dump_records(info)


# --------------------------------------------------------------------------------------------
# keys of written docs (docgen.write.context): what the docs table is keyed on


def test_doc_key_is_stable_and_depends_on_every_input() -> None:
    module = make_module()
    fn = module.functions[0]
    context = UnitContext(module)

    def k(unit=fn, ctx=context, version="1", model="x"):
        return doc_key(unit, ctx, prompt_version=version, model=model)

    base = k()
    assert base == k() and len(base) == 64
    edited = make_module(SOURCE.replace("return a + b", "return b + a")).functions[0]
    variants = {
        k(unit=module.classes[0].methods[0]),
        k(unit=edited),
        k(ctx=UnitContext(module, callees=("def g()",))),
        k(version="2"),
        k(model="y"),
        k(ctx=UnitContext(module, lang="en")),
    }
    assert base not in variants and len(variants) == 6


def test_editing_a_body_changes_only_that_functions_hash() -> None:
    before = make_module()
    after = make_module(SOURCE.replace("return a + b", "return b + a"))
    assert unit_hash(after.functions[0]) != unit_hash(before.functions[0])
    assert unit_hash(after) == unit_hash(before)
    assert unit_hash(after.classes[0]) == unit_hash(before.classes[0])

    method = make_module(SOURCE.replace("self.size += n", "self.size += 2 * n"))
    assert unit_hash(method.classes[0]) == unit_hash(before.classes[0])
    assert unit_hash(method) == unit_hash(before)
    assert unit_hash(method.classes[0].methods[0]) != unit_hash(before.classes[0].methods[0])

    nested = make_module(SOURCE.replace("return True", "return False"))
    assert unit_hash(nested.classes[0]) == unit_hash(before.classes[0])
    assert unit_hash(nested) == unit_hash(before)


def test_signatures_docstrings_and_class_bodies_change_outer_hashes() -> None:
    before = make_module()
    for old, new in [
        ("def top(a, b=1):", "def top(a, b=2):"),
        ('"""Add."""', '"""Add two."""'),
        ("def grow(self, n):", "def grow(self, m):"),
        ("size: int = 3", "size: int = 4"),
        ("LIMIT = 3", "LIMIT = 4"),
    ]:
        after = make_module(SOURCE.replace(old, new))
        assert unit_hash(after) != unit_hash(before), old
    changed = make_module(SOURCE.replace("size: int = 3", "size: int = 4"))
    assert unit_hash(changed.classes[0]) != unit_hash(before.classes[0])
    assert unit_hash(changed.functions[0]) == unit_hash(before.functions[0])


def test_context_hash_covers_prompt_fields_not_the_module() -> None:
    module = make_module()
    other = make_module(SOURCE + "\nX = 1\n")
    base = UnitContext(module=module, callees=("def f(x)",), callers=("pkg.a:g",))
    assert context_hash(base) == context_hash(
        UnitContext(other, callees=("def f(x)",), callers=("pkg.a:g",))
    )
    assert context_hash(base) != context_hash(
        UnitContext(module, callees=("def f(y)",), callers=("pkg.a:g",))
    )
    assert context_hash(base) != context_hash(UnitContext(module, callees=("def f(x)",)))
    assert context_hash(base) != context_hash(
        UnitContext(module, module_overview="о", callees=("def f(x)",), callers=("pkg.a:g",))
    )


# --------------------------------------------------------------------------------------------
# docs


def test_docs_round_trip_and_persist(tmp_path: Path) -> None:
    cache_dir = tmp_path / ".docgen"
    usage = Usage(100, 50, 1, 0)
    with Cache(cache_dir) as cache:
        assert cache.enabled and cache.warnings == []
        assert cache.get_docs([key()]) == {}
        cache.put_doc(key(), "m:f", FDOC, usage)
        assert cache.get_docs([key()]) == {key(): (FDOC, usage)}
    assert (cache_dir / ".gitignore").read_text() == "*\n"
    with Cache(cache_dir) as cache:
        assert cache.get_docs([key(), key(uid="zz")]) == {key(): (FDOC, usage)}
    conn = sqlite3.connect(cache_dir / "cache.sqlite3")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_last_good_doc_is_the_newest_for_the_uid(tmp_path: Path) -> None:
    newer = FunctionDoc("Новее.", (), "", (), (), ())
    with Cache(tmp_path) as cache:
        assert cache.last_good_doc("m:f") is None
        cache.put_doc(key(source_hash="1"), "m:f", FDOC, Usage())
        cache.put_doc(key(source_hash="2"), "m:f", newer, Usage())
        cache.put_doc(key(uid="m:g"), "m:g", CDOC, Usage())
        assert cache.last_good_doc("m:f") == newer
        cache.put_doc(key(source_hash="1"), "m:f", FDOC, Usage())  # stored again: newest
        assert cache.last_good_doc("m:f") == FDOC
        assert cache.last_good_doc("m:g") == CDOC


def test_an_unreadable_doc_row_is_a_miss(tmp_path: Path) -> None:
    with Cache(tmp_path) as cache:
        cache.put_doc(key(), "m:f", FDOC, Usage())
    conn = sqlite3.connect(tmp_path / "cache.sqlite3")
    conn.execute('UPDATE docs SET doc = \'{"kind": "nope"}\'')
    conn.commit()
    conn.close()
    with Cache(tmp_path) as cache:
        assert cache.get_docs([key()]) == {}
        assert cache.last_good_doc("m:f") is None


# --------------------------------------------------------------------------------------------
# extracted modules


def test_module_records_round_trip_by_key(tmp_path: Path) -> None:
    info = make_module()
    other = make_module(SOURCE + "\n", name="pkg.other", path="pkg/other.py")
    with Cache(tmp_path) as cache:
        cache.put_module_blobs([("k1", blob(info)), ("k2", blob(other))])
    with Cache(tmp_path) as cache:
        found = cache.get_module_blobs(["k1", "k2", "k3"])
        assert found == {"k1": blob(info), "k2": blob(other)}
        assert cache.get_module_blobs([]) == {}


def test_many_module_records_in_one_call(tmp_path: Path) -> None:
    infos = {f"k{i}": make_module(name=f"pkg.m{i}", path=f"pkg/m{i}.py") for i in range(1200)}
    with Cache(tmp_path) as cache:
        cache.put_module_blobs((k, blob(i)) for k, i in infos.items())
        found = cache.get_module_blobs(infos)
    assert len(found) == 1200  # more keys than one SQL query may hold
    assert found["k777"] == blob(infos["k777"])


# --------------------------------------------------------------------------------------------
# recovery


def test_a_corrupt_file_is_moved_aside_and_rebuilt(tmp_path: Path) -> None:
    db = tmp_path / "cache.sqlite3"
    db.write_bytes(b"this is not a database, just junk " * 200)
    with Cache(tmp_path) as cache:
        assert cache.enabled
        assert len(cache.warnings) == 1 and "corrupt" in cache.warnings[0]
        cache.put_doc(key(), "m:f", FDOC, Usage())
        assert key() in cache.get_docs([key()])
    assert (tmp_path / "cache.sqlite3.bad").exists()
    with Cache(tmp_path) as cache:
        assert cache.warnings == []
        assert key() in cache.get_docs([key()])


def test_another_schema_version_is_rebuilt(tmp_path: Path) -> None:
    with Cache(tmp_path) as cache:
        cache.put_doc(key(), "m:f", FDOC, Usage())
    conn = sqlite3.connect(tmp_path / "cache.sqlite3")
    conn.execute("UPDATE meta SET value = '0' WHERE name = 'schema'")
    conn.commit()
    conn.close()
    with Cache(tmp_path) as cache:
        assert len(cache.warnings) == 1 and "schema version 0" in cache.warnings[0]
        assert cache.get_docs([key()]) == {}
        cache.put_doc(key(), "m:f", FDOC, Usage())
    with Cache(tmp_path) as cache:
        assert cache.warnings == [] and key() in cache.get_docs([key()])


def test_an_unusable_directory_disables_the_cache(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with Cache(tmp_path / "file" / ".docgen") as cache:
        assert not cache.enabled
        assert len(cache.warnings) == 1 and "disabled" in cache.warnings[0]
        cache.put_doc(key(), "m:f", FDOC, Usage())
        cache.put_module_blobs([("k", blob(make_module()))])
        assert cache.get_docs([key()]) == {}
        assert cache.last_good_doc("m:f") is None
        assert cache.get_module_blobs(["k"]) == {}


# --------------------------------------------------------------------------------------------
# concurrency and crashes


def _writer(cache_dir: str, worker: int, count: int) -> None:
    with Cache(cache_dir) as cache:
        for i in range(count):
            cache.put_doc(key(uid=f"w{worker}:{i}"), f"w{worker}:{i}", FDOC, Usage(i, 0, 1, 0))
            if i % 20 == 0:
                info = make_module(name=f"w{worker}.m{i}", path=f"w{worker}/m{i}.py")
                cache.put_module_blobs([(info.name, blob(info))])
        assert cache.warnings == []


def test_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    cache_dir = str(tmp_path / ".docgen")
    workers = [
        multiprocessing.get_context("fork").Process(target=_writer, args=(cache_dir, w, 150))
        for w in range(4)
    ]
    for process in workers:
        process.start()
    for process in workers:
        process.join(60)
        assert process.exitcode == 0
    with Cache(cache_dir) as cache:
        keys = [key(uid=f"w{w}:{i}") for w in range(4) for i in range(150)]
        assert len(cache.get_docs(keys)) == 600
        assert cache.get_docs([key(uid="w3:149")]) == {
            key(uid="w3:149"): (FDOC, Usage(149, 0, 1, 0))
        }
        info = make_module(name="w2.m140", path="w2/m140.py")
        assert cache.get_module_blobs([info.name]) == {info.name: blob(info)}


KILLED_WRITER = """
import sys
sys.path.insert(0, {root!r})
from docgen.store.cache import Cache
from docgen.model import FunctionDoc, Usage
doc = FunctionDoc("x" * 2000, (), "", (), tuple("шаг" * 50 for _ in range(20)), ())
with Cache({cache_dir!r}) as cache:
    i = 0
    while True:
        k = f"key-{{i}}"
        cache.put_doc(k, f"u{{i}}", doc, Usage(1, 1, 1, 0))
        print(k, flush=True)
        i += 1
"""


def test_kill_9_keeps_every_finished_put(tmp_path: Path) -> None:
    cache_dir = str(tmp_path / ".docgen")
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER.format(root=str(ROOT), cache_dir=cache_dir)],
        stdout=subprocess.PIPE,
        text=True,
    )
    finished = [child.stdout.readline().strip() for _ in range(300)]
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    child.stdout.close()
    with Cache(cache_dir) as cache:
        assert cache.warnings == []
        assert len(cache.get_docs(finished)) == 300
    conn = sqlite3.connect(Path(cache_dir) / "cache.sqlite3")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


@pytest.mark.parametrize("name", ["cache.sqlite3", "custom.db"])
def test_path_may_be_the_database_file(tmp_path: Path, name: str) -> None:
    with Cache(tmp_path / name) as cache:
        assert cache.db_path == tmp_path / name
        cache.put_doc(key(), "m:f", FDOC, Usage())
    assert (tmp_path / name).exists()
    assert not (tmp_path / ".gitignore").exists()  # not our folder: left alone


def test_a_part_not_found_verbatim_still_changes_the_hash() -> None:
    module = make_module()
    function = module.functions[0]
    moved = dataclasses.replace(function, source="def top(a, b=1):\n    return 0")
    moved_again = dataclasses.replace(function, source="def top(a, b=1):\n    return 1")
    one = dataclasses.replace(module, functions=(moved,))
    two = dataclasses.replace(module, functions=(moved_again,))
    assert unit_hash(one) != unit_hash(two)
    assert unit_hash(one) != unit_hash(module)


def test_pages_damaged_inside_the_file_are_found_and_rebuilt(tmp_path: Path) -> None:
    doc = FunctionDoc("x" * 500, (), "", (), (), ())
    keys = [key(uid=f"u{i}") for i in range(800)]
    with Cache(tmp_path) as cache:
        for i, k in enumerate(keys):
            cache.put_doc(k, f"u{i}", doc, Usage())
    db = tmp_path / "cache.sqlite3"
    size = db.stat().st_size
    with open(db, "r+b") as fh:  # the header stays intact: the file still opens
        for offset in range(size // 4, size, 4096 * 5):
            fh.seek(offset)
            fh.write(bytes(range(256)) * 8)
    with Cache(tmp_path) as cache:
        assert cache.warnings == []
        cache.get_docs(keys)  # reads the damaged pages: no exception
        assert len(cache.warnings) == 1 and "corrupt" in cache.warnings[0]
        cache.put_doc(keys[0], "u0", doc, Usage())
        assert cache.get_docs([keys[0]]) == {keys[0]: (doc, Usage())}
    assert (tmp_path / "cache.sqlite3.bad").exists()


TRICKY = textwrap.dedent(
    """\
    class Parser:
        @register("a:b", (1, 2))
        def parse(self, text: str = "):",
                  *, strict: bool = False) -> dict[str, int]:  # a comment: here
            return {"n": 1}

        def one(self): return 1
    """
)


@pytest.mark.parametrize(
    ("old", "new", "class_changes"),
    [
        ('return {"n": 1}', 'return {"n": 2}', False),
        ("def one(self): return 1", "def one(self): return 2", False),  # one-liner body too
        ('text: str = "):"', 'text: str = "]:"', True),
        ("strict: bool = False", "strict: bool = True", True),
        ('@register("a:b", (1, 2))', '@register("a:c", (1, 2))', True),
    ],
)
def test_headers_with_strings_comments_and_one_liners(old: str, new: str, class_changes) -> None:
    before = make_module(TRICKY).classes[0]
    after = make_module(TRICKY.replace(old, new)).classes[0]
    assert (unit_hash(after) != unit_hash(before)) is class_changes


def test_usable_from_other_threads(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with Cache(tmp_path) as cache:

        def work(i: int) -> tuple[Doc, Usage] | None:
            cache.put_doc(key(uid=f"t{i}"), f"t{i}", FDOC, Usage(i))
            return cache.get_docs([key(uid=f"t{i}")]).get(key(uid=f"t{i}"))

        with ThreadPoolExecutor(4) as pool:
            got = list(pool.map(work, range(40)))
        assert got == [(FDOC, Usage(i)) for i in range(40)]
        assert cache.warnings == []
