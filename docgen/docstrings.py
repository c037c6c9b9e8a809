"""``docgen docstrings PATH... [--diff | --apply | --check] [--update]``: docs back into the code.

Every public function, method, class and module without a docstring gets the Google-style
docstring docgen composes for it (the one its reference page shows as the proposed docstring):
from the model's cached answer when an endpoint is configured and the cache has one, else from
the offline writer. ``--diff`` (the default) prints a unified diff and writes nothing; ``--apply``
writes the files (atomically, keeping their mode); ``--check`` exits 1 when a public unit has no
docstring, for CI and pre-commit. An existing docstring is never rewritten, except with
``--update`` one that docgen wrote itself (``--apply`` records a hash of each docstring it writes
in ``<cache dir>/docstrings.json``). A file that does not parse is reported and left untouched;
after the edit the file must parse and its AST must equal the original's apart from the
docstrings added, or it is left untouched too.
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import inspect
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from docgen.config import Config
from docgen.discover import discover
from docgen.extract import EMPTY_FILE, ONLY_COMMENTS, extract_all, quiet_gc
from docgen.model import ClassInfo, Doc, FunctionInfo, ModuleInfo, Unit, UnitContext
from docgen.render import Renderer
from docgen.store.cache import Cache
from docgen.ui.console import Console
from docgen.ui.report import EXIT_ERROR, EXIT_OK
from docgen.write.chat.version import prompt_version
from docgen.write.context import contexts, doc_key, project_graph
from docgen.write.offline import OfflineWriter
from docgen.writeback import Insertion, insert_docstrings

__all__ = ["run"]

RECORD = "docstrings.json"
_NOTHING = (EMPTY_FILE, ONLY_COMMENTS)  # nothing to document: not a problem here


def _digest(text: str) -> str:
    return hashlib.sha256(inspect.cleandoc(text).encode()).hexdigest()[:16]


def _public(unit: Unit) -> bool:
    if isinstance(unit, FunctionInfo) and unit.conditions[-1:] == (("lambda", ""),):
        return False  # a lambda cannot hold a docstring
    if isinstance(unit, ModuleInfo):
        last = unit.name.rsplit(".", 1)[-1]
        return unit.is_package or not last.startswith("_")
    if isinstance(unit, FunctionInfo) and (
        unit.is_overload or unit.property_role in ("setter", "deleter")
    ):
        return False
    return not any(part.startswith("_") for part in unit.qualname.split("."))


def _line(unit: Unit) -> int:
    return 1 if isinstance(unit, ModuleInfo) else unit.line_start


def _strip_docstrings(tree: ast.AST) -> str:
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree)


def _same_code(before: bytes, after: bytes) -> bool:
    try:
        return _strip_docstrings(ast.parse(before)) == _strip_docstrings(ast.parse(after))
    except (SyntaxError, ValueError):
        return False


def _write_atomic(path: Path, data: bytes) -> None:
    mode = path.stat().st_mode
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class _Docs:
    """The doc to compose a unit's docstring from: the model's cached answer, else offline."""

    def __init__(self, config: Config, cache: Cache) -> None:
        self.config = config
        self.cache = cache
        self.offline = OfflineWriter(lang=config.lang, templates=config.templates)
        self.version = prompt_version(config.templates) if config.endpoints else ""

    def for_units(self, pairs: list[tuple[Unit, UnitContext]]) -> dict[str, Doc]:
        found: dict[str, Doc] = {}
        if self.config.endpoints:
            model = self.config.model_id
            keys = {doc_key(u, c, prompt_version=self.version, model=model): u for u, c in pairs}
            for key, (doc, _) in self.cache.get_docs(keys).items():
                found[keys[key].uid] = doc
        for unit, context in pairs:
            if unit.uid not in found:
                found[unit.uid] = self.offline.document(unit, context)
        return found


def run(config: Config, *, console: Console, mode: str, update: bool) -> int:
    """Compose, show, write or check docstrings (see the module docstring)."""
    record_path = Path(config.cache_dir) / RECORD
    try:
        record: dict[str, dict[str, str]] = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        record = {}
    found = discover(config.paths, exclude=config.exclude)
    for problem in found.problems:
        console.warn(problem)
    renderer = Renderer(lang=config.lang, user_templates=config.templates)
    missing: list[str] = []
    changed = 0
    code = EXIT_OK
    out = sys.stdout
    with quiet_gc(), Cache(config.cache_dir) as cache:
        docs = _Docs(config, cache)
        extracted = extract_all(
            found.files, cache=cache, jobs=config.jobs, timeout=config.parse_timeout,
            memory=config.parse_memory * 1024**2,
        )  # fmt: skip
        extracted = list(extracted)  # the graph needs every module: the keys cover it
        graph = project_graph(i.module for i in extracted if i.module is not None)
        for item in extracted:
            if item.module is None:
                if item.problem is not None and item.problem.reason not in _NOTHING:
                    console.warn(f"{item.problem}; left untouched")
                    code = EXIT_ERROR
                continue
            module = item.module
            mine = record.get(module.path, {})
            pairs = [
                (u, c)
                for u, c in contexts(module, lang=config.lang, graph=graph)
                if isinstance(u, ModuleInfo | ClassInfo | FunctionInfo) and _public(u)
            ]
            todo = [
                (u, c)
                for u, c in pairs
                if not u.docstring or (update and mine.get(_name(u)) == _digest(u.docstring))
            ]
            missing += [
                f"{module.path}:{_line(u)}: {_name(u)} has no docstring"
                for u, _ in pairs
                if not u.docstring
            ]
            if mode == "check" or not todo:
                continue
            composed = docs.for_units(todo)
            wanted: dict[tuple[str, int], Insertion] = {}
            module_doc = None
            literals = {u.uid: renderer.docstring(u, composed[u.uid]) for u, _ in todo}
            for unit, _ in todo:
                insertion = Insertion(literals[unit.uid], replace=bool(unit.docstring))
                if isinstance(unit, ModuleInfo):
                    module_doc = insertion
                else:
                    wanted[(unit.qualname, unit.line_start)] = insertion
            path = Path(item.file.path)
            before = path.read_bytes()
            try:
                result = insert_docstrings(before, wanted, module_doc=module_doc)
            except UnicodeEncodeError as exc:
                console.warn(
                    f"{module.path}: its encoding ({exc.encoding}) cannot hold the docstrings;"
                    " left untouched (try --lang en)"
                )
                code = EXIT_ERROR
                continue
            except Exception as exc:  # libcst's parser errors: one line, the file untouched
                console.warn(f"{module.path}: cannot edit ({type(exc).__name__}); left untouched")
                code = EXIT_ERROR
                continue
            for qualname, reason in result.skipped:
                console.warn(f"{module.path}: {qualname}: {reason}; left as it is")
            if result.code == before:
                continue
            if not _same_code(before, result.code):
                console.warn(f"{module.path}: the edit would change the code; left untouched")
                code = EXIT_ERROR
                continue
            changed += 1
            if mode == "diff":
                _diff(out, module.path, before, result.code)
            else:
                _write_atomic(path, result.code)
                written = record.setdefault(module.path, {})
                for unit, _ in todo:
                    written[_name(unit)] = _digest(ast.literal_eval(literals[unit.uid]))
    if mode == "check":
        for line in missing:
            out.write(line + "\n")
        out.write(f"{len(missing)} public units without a docstring\n")
        return 1 if missing else code
    if mode == "apply" and changed:
        record_path.parent.mkdir(parents=True, exist_ok=True)
        record_path.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", "utf-8")
    verb = "would change" if mode == "diff" else "changed"
    console.info(f"docstrings: {verb} {changed} files")
    return code


def _name(unit: Unit) -> str:
    return "<module>" if isinstance(unit, ModuleInfo) else unit.qualname


def _diff(out: Any, name: str, before: bytes, after: bytes) -> None:
    old = before.decode("utf-8", "replace").splitlines(keepends=True)
    new = after.decode("utf-8", "replace").splitlines(keepends=True)
    out.writelines(difflib.unified_diff(old, new, f"a/{name}", f"b/{name}"))
