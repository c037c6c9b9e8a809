"""The project's local store of answers and parses, so an unchanged rerun costs nothing.

Two tables in one SQLite file, ``<cache dir>/cache.sqlite3`` (``.docgen/`` by default):

* **docs** — a writer's answer for one unit, keyed by
  :func:`docgen.write.context.doc_key` (the unit's own source, what its prompt said about the
  rest of the project, the prompt version, the model and the language). The doc is stored as
  JSON with its token usage; a row may instead record a *fallback* (the model's answers for that
  key were unusable) with its reason, so an unchanged rerun does not pay for them again.
* **modules** — an extracted :class:`~docgen.model.ModuleInfo` as the extract stage recorded it,
  keyed by the hash of the bytes parsed, the module's name and path, and a fingerprint of the
  extractor's own code, so a no-change run does not parse again.

The cache only stores and finds: the keys are made by the stages that own them.

The file is opened in WAL mode with a busy timeout, and every put is its own transaction: two
processes may write at once, and a kill -9 loses at most the units in flight. A cache from another
schema version or a corrupt file is moved aside (``cache.sqlite3.bad``) and rebuilt with one
warning; any other database error turns the cache off for the run with one warning. The cache
never makes a run fail.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from docgen.errors import SerializeError
from docgen.model import Doc, Usage
from docgen.store.serialize import doc_from_json, doc_to_json

__all__ = ["CACHE_DIR", "DB_NAME", "SCHEMA_VERSION", "Cache"]

log = logging.getLogger("docgen.cache")

CACHE_DIR = ".docgen"  # default cache directory, relative to the project
DB_NAME = "cache.sqlite3"
SCHEMA_VERSION = 3  # bump when a table changes: old files are migrated or moved aside
# ALTER statements that bring an older schema to this one in place (its answers are kept)
_MIGRATIONS = {
    "2": (
        "ALTER TABLE docs ADD COLUMN fallback INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE docs ADD COLUMN reason TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE docs ADD COLUMN model TEXT NOT NULL DEFAULT ''",
    ),
}
_CHUNK = 500  # keys per "IN (...)" query, well under SQLite's variable limit
_CORRUPT_CODES = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB (primary result codes)

T = TypeVar("T")


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
    stored_at INTEGER NOT NULL,
    fallback INTEGER NOT NULL DEFAULT 0,
    reason TEXT NOT NULL DEFAULT '',
    model TEXT NOT NULL DEFAULT ''
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
                if row is not None and row[0] in _MIGRATIONS:
                    for statement in _MIGRATIONS[row[0]]:
                        conn.execute(statement)
                    conn.execute(
                        "UPDATE meta SET value = ? WHERE name = 'schema'", (str(SCHEMA_VERSION),)
                    )
                    row = (str(SCHEMA_VERSION),)
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

    def get_docs(self, keys: Iterable[str]) -> dict[str, tuple[Doc, Usage]]:
        """Every stored answer among ``keys``, in a few queries (recorded fallbacks left out:
        :meth:`get_fallbacks` finds those)."""
        return {
            k: (doc, usage) for k, (doc, usage, fallback, _) in self._docs(keys) if not fallback
        }

    def get_fallbacks(self, keys: Iterable[str]) -> dict[str, str]:
        """The recorded fallbacks among ``keys``: why the model's answer was not used."""
        return {k: reason for k, (_, _, fallback, reason) in self._docs(keys) if fallback}

    def _docs(self, keys: Iterable[str]) -> Iterator[tuple[str, tuple[Doc, Usage, bool, str]]]:
        wanted = set(keys)
        columns = (
            "CAST(doc AS BLOB), prompt_tokens, completion_tokens, requests, retries, fallback,"
            " reason"
        )
        rows = self._guard("read", [], lambda conn: self._select(conn, "docs", wanted, columns))
        for key, doc_text, p, c, n, r, fallback, reason in rows:
            if key not in wanted:
                continue
            try:
                yield key, (doc_from_json(doc_text), Usage(p, c, n, r), bool(fallback), reason)
            except SerializeError:
                continue

    def put_doc(
        self,
        key: str,
        uid: str,
        doc: Doc,
        usage: Usage,
        *,
        fallback: str | None = None,
        model: str = "",
    ) -> None:
        """Store one answer, committed at once (a later kill -9 keeps it). With ``fallback`` (the
        reason), record that the model's answers for this key were not usable: an unchanged
        rerun shows the offline content again without asking (``--retry-fallbacks`` asks)."""
        row = (
            key,
            uid,
            doc_to_json(doc),
            usage.prompt_tokens,
            usage.completion_tokens,
            usage.requests,
            usage.retries,
            time.time_ns(),
            int(fallback is not None),
            fallback or "",
            model,
        )
        self._guard(
            "write",
            None,
            lambda conn: conn.execute(
                "INSERT OR REPLACE INTO docs (key, uid, doc, prompt_tokens, completion_tokens,"
                " requests, retries, stored_at, fallback, reason, model)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            ),
        )

    def completion_ratio(self, model: str) -> tuple[float, int] | None:
        """Completion tokens per prompt token over the answers ``model`` gave earlier (as the
        server counted them), and how many answers; None when there are none."""

        def totals(conn: sqlite3.Connection) -> list[tuple[int, int, int]]:
            return conn.execute(
                "SELECT SUM(prompt_tokens), SUM(completion_tokens), COUNT(*) FROM docs"
                " WHERE model = ? AND prompt_tokens > 0",
                (model,),
            ).fetchall()

        rows = self._guard("read", [], totals)
        if not rows or not rows[0][2] or not model:
            return None
        prompt, completion, count = rows[0]
        return completion / prompt, count

    def last_good_doc(self, uid: str) -> Doc | None:
        """The newest model-written doc stored for ``uid`` under any key: shown when the unit
        now fails."""

        def newest(conn: sqlite3.Connection) -> list[tuple[str]]:
            return conn.execute(
                "SELECT CAST(doc AS BLOB) FROM docs WHERE uid = ? AND fallback = 0"
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

    def get_module_blobs(self, keys: Iterable[str]) -> dict[str, bytes]:
        """The stored parse records among ``keys`` (made by the extract stage)."""
        wanted = set(keys)
        rows = self._guard("read", [], lambda conn: self._select(conn, "modules", wanted, "data"))
        return {key: bytes(blob) for key, blob in rows if key in wanted}

    def put_module_blobs(self, rows: Iterable[tuple[str, bytes]]) -> None:
        """Store parse records, in one transaction."""
        now = time.time_ns()
        data = [(key, blob, now) for key, blob in rows]

        def insert(conn: sqlite3.Connection) -> None:
            with _transaction(conn):
                conn.executemany(
                    "INSERT OR REPLACE INTO modules (key, data, stored_at) VALUES (?, ?, ?)", data
                )

        if data:
            self._guard("write", None, insert)

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
