"""The project's local store of answers and parses, so an unchanged rerun costs nothing.

Two tables in one SQLite file, ``<cache dir>/cache.sqlite3`` (``.docgen/`` by default):

* **docs** — a writer's answer for one unit, keyed by :func:`doc_key`: the unit's own source
  (:func:`unit_hash`), what its prompt said about the rest of the project (:func:`context_hash`),
  the prompt version, the model and the language. The doc is stored as JSON with its token usage.
* **modules** — an extracted :class:`~docgen.model.ModuleInfo`, keyed by the file's sha256, its
  module name and path, and a fingerprint of the extractor's own code, so a no-change run does
  not parse again.

The file is opened in WAL mode with a busy timeout, and every put is its own transaction: two
processes may write at once, and a kill -9 loses at most the units in flight. A cache from another
schema version or a corrupt file is moved aside (``cache.sqlite3.bad``) and rebuilt with one
warning; any other database error turns the cache off for the run with one warning. The cache
never makes a run fail.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import io
import logging
import os
import pickle
import sqlite3
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from docgen import model
from docgen.model import ClassInfo, Doc, FunctionInfo, ModuleInfo, Unit, Usage
from docgen.outline import outline
from docgen.serialize import SerializeError, doc_from_json, doc_to_json
from docgen.write.base import UnitContext

__all__ = [
    "CACHE_DIR",
    "DB_NAME",
    "SCHEMA_VERSION",
    "Cache",
    "ModuleKey",
    "context_hash",
    "doc_key",
    "extractor_fingerprint",
    "unit_hash",
]

log = logging.getLogger("docgen.cache")

CACHE_DIR = ".docgen"  # default cache directory, relative to the project
DB_NAME = "cache.sqlite3"
SCHEMA_VERSION = 2  # bump when a table changes: old files are moved aside
KEY_FORMAT = 1  # bump when doc_key / unit_hash / context_hash change meaning
EXTRACT_FORMAT = 1  # bump to drop every cached parse without touching the extractor
# the code a ModuleInfo depends on, relative to the docgen package: any edit drops cached parses
EXTRACTOR_SOURCES = ("model.py", "extract*.py", "extract/**/*.py")
_FREEZE_AFTER = 200  # modules loaded at once before the records are hidden from the cyclic GC
_CHUNK = 500  # keys per "IN (...)" query, well under SQLite's variable limit
_CORRUPT_CODES = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB (primary result codes)

T = TypeVar("T")


# --------------------------------------------------------------------------------------------
# keys


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _canonical(value: Any) -> str:
    """An unambiguous text for strings, numbers, None and (nested) tuples or lists of them:
    every string is length-prefixed, so no two different values give the same text."""
    if isinstance(value, str):
        return f"s{len(value)}:{value}"
    if isinstance(value, tuple | list):
        if all(type(v) is str for v in value):  # the usual case, without recursion
            return f"t{len(value)}(" + "".join([f"s{len(v)}:{v}" for v in value]) + ")"
        return f"t{len(value)}(" + "".join([_canonical(v) for v in value]) + ")"
    if value is None:
        return "n"
    if isinstance(value, bool | int | float):
        return f"i{value!r}"
    return "r" + _canonical(repr(value))


def doc_key(
    *, uid: str, source_hash: str, context_hash: str, prompt_version: str, model: str, lang: str
) -> str:
    """The docs table key: sha256 of a canonical text of every input of the answer."""
    fields = (uid, source_hash, context_hash, prompt_version, model, lang)
    return _sha256(f"k{KEY_FORMAT}" + "".join([f"s{len(f)}:{f}" for f in fields]))


def unit_hash(unit: Unit) -> str:
    """sha256 of what a unit's doc depends on in its own source.

    A function: its whole source. A class or a module: its source with every function and
    method body left out (signatures and docstrings stay), so editing one body changes only
    that function's hash.
    """
    if isinstance(unit, FunctionInfo):
        return _sha256("function\0" + unit.source)
    if isinstance(unit, ClassInfo):
        return _sha256("class\0" + outline(unit))
    if isinstance(unit, ModuleInfo):
        return _sha256("module\0" + outline(unit))
    raise TypeError(f"not a unit: {type(unit).__name__}")


def context_hash(context: UnitContext) -> str:
    """sha256 of the context fields that go into a prompt: every field but ``module``.

    New fields of :class:`UnitContext` are included automatically; the module itself is not
    (a unit's own text is covered by :func:`unit_hash`).
    """
    return _sha256(
        "".join([f"{name}={_canonical(getattr(context, name))}" for name in _CONTEXT_FIELDS])
    )


_CONTEXT_FIELDS = tuple(f.name for f in dataclasses.fields(UnitContext) if f.name != "module")


def extractor_fingerprint() -> str:
    """sha256 over the extractor's code and the record classes (:data:`EXTRACTOR_SOURCES`),
    the Python version and :data:`EXTRACT_FORMAT`: any change to how a ModuleInfo is made or
    shaped drops the cached parses."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256(f"{EXTRACT_FORMAT}:{sys.version_info[:2]}".encode())
    sources = [path for pattern in EXTRACTOR_SOURCES for path in here.glob(pattern)]
    for source in sorted(set(sources)):
        try:
            digest.update(source.relative_to(here).as_posix().encode() + b"\0")
            digest.update(source.read_bytes())
        except OSError:
            continue
    return digest.hexdigest()


class ModuleKey(NamedTuple):
    """The extraction cache key (a plain 4-tuple works too)."""

    file_sha256: str
    module: str
    path: str
    is_package: bool = False


# --------------------------------------------------------------------------------------------
# pickling records: (class, field values) so loading calls the generated __init__ in one step,
# about twice as fast as the default slotted-dataclass state protocol


_FIELDS: dict[type, tuple[str, ...]] = {
    cls: tuple(f.name for f in dataclasses.fields(cls))
    for cls in vars(model).values()
    if isinstance(cls, type)
    and dataclasses.is_dataclass(cls)
    and all(f.init and not f.kw_only for f in dataclasses.fields(cls))
}


class _RecordPickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        names = _FIELDS.get(type(obj))
        if names is None:
            return NotImplemented
        return type(obj), tuple([getattr(obj, name) for name in names])


def dump_module(info: ModuleInfo) -> bytes:
    """A parse as stored in the cache (cheap enough to make in a worker process)."""
    return _dump_module(info)


def _dump_module(info: ModuleInfo) -> bytes:
    buffer = io.BytesIO()
    _RecordPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(info)
    return zlib.compress(buffer.getvalue(), 1)


def _load_module(blob: bytes) -> ModuleInfo | None:
    try:
        info = pickle.loads(zlib.decompress(blob))
    except Exception:  # our own file, but it may be damaged or from older classes: a miss
        return None
    return info if isinstance(info, ModuleInfo) else None


class _GcPaused:
    """Loading many small records with the cyclic GC on costs three times as much."""

    def __enter__(self) -> None:
        self.was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self.was_enabled:
            gc.enable()


# --------------------------------------------------------------------------------------------
# the store


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    key TEXT PRIMARY KEY,
    uid TEXT NOT NULL,
    doc TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    requests INTEGER NOT NULL,
    retries INTEGER NOT NULL,
    stored_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS docs_by_uid ON docs (uid, stored_at);
CREATE TABLE IF NOT EXISTS modules (
    key TEXT PRIMARY KEY,
    data BLOB NOT NULL,
    stored_at INTEGER NOT NULL
);
"""


class _VersionMismatch(Exception):
    pass


def _is_corrupt(err: sqlite3.DatabaseError) -> bool:
    code = getattr(err, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in _CORRUPT_CODES
    text = str(err).lower()
    return "malformed" in text or "not a database" in text


class Cache:
    """The SQLite store. ``path`` is the cache directory (``<project>/.docgen``), or the
    ``.sqlite3`` file itself. Use as a context manager, or call :meth:`close`.

    ``warnings`` lists what went wrong with the cache (each message once); the caller may show
    them. Every method is safe to call after a failure: gets miss, puts do nothing.
    """

    def __init__(self, path: str | Path) -> None:
        path = Path(path)
        own_dir = path.suffix not in {".sqlite3", ".sqlite", ".db"}
        self.dir, self.db_path = (path, path / DB_NAME) if own_dir else (path.parent, path)
        self.warnings: list[str] = []
        self._lock = threading.Lock()
        self._fingerprint = extractor_fingerprint()
        self._conn: sqlite3.Connection | None = None
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            ignore = self.dir / ".gitignore"
            if own_dir and not ignore.exists():
                ignore.write_text("*\n", encoding="utf-8")
        except OSError as err:
            self._warn(f"cache disabled: cannot create {self.dir}: {err.strerror or err}")
            return
        self._conn = self._open_or_rebuild()

    # ---- lifecycle

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.db_path, timeout=30.0, isolation_level=None, check_same_thread=False
        )
        try:
            for attempt in range(50):  # switching to WAL needs a moment alone with the file
                try:
                    conn.execute("PRAGMA journal_mode=WAL")
                    break
                except sqlite3.OperationalError as err:
                    if "locked" not in str(err) or attempt == 49:
                        raise
                    time.sleep(0.05)
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                row = conn.execute("SELECT value FROM meta WHERE name='schema'").fetchone()
                if row is None:
                    conn.execute(
                        "INSERT INTO meta (name, value) VALUES ('schema', ?)",
                        (str(SCHEMA_VERSION),),
                    )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            if row is not None and row[0] != str(SCHEMA_VERSION):
                raise _VersionMismatch(row[0])
        except BaseException:
            conn.close()
            raise
        return conn

    def _open_or_rebuild(self) -> sqlite3.Connection | None:
        try:
            return self._connect()
        except _VersionMismatch as err:
            reason = f"cache from schema version {err} rebuilt (now {SCHEMA_VERSION})"
        except sqlite3.DatabaseError as err:
            if not _is_corrupt(err):
                self._warn(f"cache disabled: {self.db_path}: {err}")
                return None
            reason = f"corrupt cache moved aside and rebuilt: {err}"
        return self._rebuild(reason)

    def _rebuild(self, reason: str) -> sqlite3.Connection | None:
        try:
            self._move_aside()
            conn = self._connect()
        except (OSError, sqlite3.Error, _VersionMismatch) as err:
            self._warn(f"cache disabled: {self.db_path}: {err}")
            return None
        self._warn(f"{reason} ({self.db_path.name}.bad kept)")
        return conn

    def _move_aside(self) -> None:
        os.replace(self.db_path, self.db_path.with_name(self.db_path.name + ".bad"))
        for suffix in ("-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.db_path.with_name(self.db_path.name + suffix))

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.close()
                self._conn = None

    def __enter__(self) -> Cache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def enabled(self) -> bool:
        return self._conn is not None

    def _warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)
            log.warning(message)

    def _guard(self, action: str, default: T, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn`` on the connection; a database error costs the result, never the run."""
        with self._lock:
            if self._conn is None:
                return default
            try:
                return fn(self._conn)
            except sqlite3.DatabaseError as err:
                if _is_corrupt(err):
                    self._conn.close()
                    self._conn = self._rebuild(f"corrupt cache moved aside and rebuilt: {err}")
                else:
                    self._warn(f"cache {action} failed: {str(err)[:200]}")
                return default

    # ---- docs

    def doc_key_for(
        self, unit: Unit, context: UnitContext, prompt_version: str, model: str, lang: str
    ) -> str:
        """:func:`doc_key` of a unit in its context."""
        return doc_key(
            uid=unit.uid,
            source_hash=unit_hash(unit),
            context_hash=context_hash(context),
            prompt_version=prompt_version,
            model=model,
            lang=lang,
        )

    def get_doc(self, key: str) -> tuple[Doc, Usage] | None:
        """The stored answer for ``key`` and the usage it cost then, or None."""
        return self.get_docs([key]).get(key)

    def get_docs(self, keys: Iterable[str]) -> dict[str, tuple[Doc, Usage]]:
        """Every stored answer among ``keys``, in a few queries."""
        wanted = set(keys)
        columns = "CAST(doc AS BLOB), prompt_tokens, completion_tokens, requests, retries"
        rows = self._guard("read", [], lambda conn: self._select(conn, "docs", wanted, columns))
        out: dict[str, tuple[Doc, Usage]] = {}
        for key, doc_text, *usage in rows:
            if key not in wanted:
                continue
            try:
                out[key] = (doc_from_json(doc_text), Usage(*usage))
            except SerializeError:
                continue
        return out

    def known_docs(self, keys: Iterable[str]) -> frozenset[str]:
        """Which of ``keys`` have an answer stored, without reading the answers (for
        ``docgen estimate`` and progress totals). A row that no longer parses still counts."""
        wanted = set(keys)
        rows = self._guard("read", [], lambda conn: self._select(conn, "docs", wanted, "1"))
        return frozenset(key for key, _ in rows if key in wanted)

    def put_doc(self, key: str, uid: str, doc: Doc, usage: Usage) -> None:
        """Store one answer, committed at once (a later kill -9 keeps it)."""
        row = (
            key,
            uid,
            doc_to_json(doc),
            usage.prompt_tokens,
            usage.completion_tokens,
            usage.requests,
            usage.retries,
            time.time_ns(),
        )
        self._guard(
            "write",
            None,
            lambda conn: conn.execute(
                "INSERT OR REPLACE INTO docs (key, uid, doc, prompt_tokens, completion_tokens,"
                " requests, retries, stored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            ),
        )

    def last_good_doc(self, uid: str) -> Doc | None:
        """The newest doc stored for ``uid`` under any key: shown when the unit now fails."""

        def newest(conn: sqlite3.Connection) -> list[tuple[str]]:
            return conn.execute(
                "SELECT CAST(doc AS BLOB) FROM docs WHERE uid = ?"
                " ORDER BY stored_at DESC, rowid DESC",
                (uid,),
            ).fetchall()

        for (doc_text,) in self._guard("read", [], newest):
            try:
                return doc_from_json(doc_text)
            except SerializeError:
                continue
        return None

    # ---- extracted modules

    def _module_key(self, key: ModuleKey | tuple[str, str, str, bool]) -> str:
        file_sha256, module, path, is_package = key
        return _sha256(_canonical([self._fingerprint, file_sha256, module, path, is_package]))

    def get_module(
        self, file_sha256: str, module: str, path: str, is_package: bool = False
    ) -> ModuleInfo | None:
        key = ModuleKey(file_sha256, module, path, is_package)
        return self.get_modules([key]).get(key)

    def get_modules(
        self, keys: Iterable[ModuleKey | tuple[str, str, str, bool]]
    ) -> dict[ModuleKey, ModuleInfo]:
        """The cached parse for each key found, keyed by the key as a :class:`ModuleKey`
        (equal to the plain tuple given)."""
        wanted = {self._module_key(k): ModuleKey(*k) for k in keys}
        rows = self._guard("read", [], lambda conn: self._select(conn, "modules", wanted, "data"))
        out: dict[ModuleKey, ModuleInfo] = {}
        with _GcPaused():
            for db_key, blob in rows:
                key = wanted.get(db_key)
                info = None if key is None else _load_module(blob)
                if info is not None and (info.name, info.path) == (key.module, key.path):
                    out[key] = info
        if len(out) >= _FREEZE_AFTER:
            # Hundreds of thousands of long-lived, acyclic records: keep later collections from
            # walking them again and again (this halves the rest of a no-change run).
            gc.freeze()
        return out

    def put_module(self, info: ModuleInfo, *, file_sha256: str | None = None) -> None:
        """Store a parse under ``file_sha256`` (default: ``info.source_hash``)."""
        self.put_modules([info], file_sha256=file_sha256)

    def put_modules(self, infos: Iterable[ModuleInfo], *, file_sha256: str | None = None) -> None:
        """Store several parses in one transaction."""
        self.put_module_blobs(
            (
                ModuleKey(file_sha256 or info.source_hash, info.name, info.path, info.is_package),
                _dump_module(info),
            )
            for info in infos
        )

    def put_module_blobs(self, rows: Iterable[tuple[ModuleKey, bytes]]) -> None:
        """Store parses already made by :func:`dump_module`, in one transaction."""
        now = time.time_ns()
        data = [(self._module_key(key), blob, now) for key, blob in rows]

        def insert(conn: sqlite3.Connection) -> None:
            with _transaction(conn):
                conn.executemany(
                    "INSERT OR REPLACE INTO modules (key, data, stored_at) VALUES (?, ?, ?)", data
                )

        if data:
            self._guard("write", None, insert)

    # ---- upkeep

    def prune(self, *, older_than_days: float = 90.0) -> int:
        """Delete entries stored more than ``older_than_days`` ago; returns how many."""
        cutoff = time.time_ns() - int(older_than_days * 86400e9)

        def delete(conn: sqlite3.Connection) -> int:
            with _transaction(conn):
                n = conn.execute("DELETE FROM docs WHERE stored_at < ?", (cutoff,)).rowcount
                n += conn.execute("DELETE FROM modules WHERE stored_at < ?", (cutoff,)).rowcount
            return n

        return self._guard("prune", 0, delete)

    @staticmethod
    def _select(
        conn: sqlite3.Connection, table: str, keys: Iterable[str], columns: str
    ) -> list[tuple[Any, ...]]:
        """Rows ``(key, *columns)`` for the keys found. Text is read as bytes and decoded here,
        so one damaged row is a miss, not an error for the whole query."""
        rows: list[tuple[Any, ...]] = []
        for chunk in _chunks(list(dict.fromkeys(keys)), _CHUNK):
            marks = ",".join("?" * len(chunk))
            found = conn.execute(
                f"SELECT CAST(key AS BLOB), {columns} FROM {table} WHERE key IN ({marks})", chunk
            ).fetchall()
            rows += [(key.decode("ascii", "replace"), *rest) for key, *rest in found]
        return rows


class _transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any error (KeyboardInterrupt too)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
