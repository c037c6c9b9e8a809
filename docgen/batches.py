"""``docgen batch export | import | submit | collect``: documenting through a batch runner.

``export`` writes the requests a live run would still send (the cache and the recorded fallbacks
decide, as in a live run) as OpenAI Batch JSONL; ``import`` judges a Batch output file and stores
the good answers in the cache, so the next ``docgen PATH`` renders them with zero requests and
asks live only for what is still missing. ``submit`` uploads an export and creates a batch with
the openai package (``files.create``, ``batches.create``); ``collect`` polls it, downloads the
output and imports it. The batches submitted are recorded in ``<cache dir>/batches.json`` (with
the paths exported, which ``import`` and ``collect`` reuse when given none), written atomically,
so ``submit`` and ``collect`` survive being killed between or during them.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, TextIO

from docgen.commands import project_units
from docgen.config import Config
from docgen.discover import discover
from docgen.errors import ConfigError, InputError, TransportError
from docgen.extract import quiet_gc
from docgen.model import Unit, UnitContext
from docgen.store.cache import Cache
from docgen.ui.console import Console
from docgen.ui.report import EXIT_ERROR, EXIT_OK, EXIT_UNITS_FAILED
from docgen.write.chat.batch import pending_units, read_results, request_lines
from docgen.write.chat.prompts import PromptBuilder
from docgen.write.chat.version import prompt_version
from docgen.write.context import doc_key
from docgen.write.offline import OfflineWriter

__all__ = ["run_batch"]

STATE_FILE = "batches.json"
_DONE = ("completed", "failed", "expired", "cancelled")


def _state_path(config: Config) -> Path:
    return Path(config.cache_dir) / STATE_FILE


def _read_state(config: Config) -> dict[str, Any]:
    try:
        value = json.loads(_state_path(config).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"paths": [], "batches": []}
    except (OSError, ValueError) as exc:
        raise InputError(f"{_state_path(config)}: unreadable ({exc})") from None
    return value if isinstance(value, dict) else {"paths": [], "batches": []}


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_state(config: Config, state: dict[str, Any]) -> None:
    _write_atomic(_state_path(config), json.dumps(state, indent=2, ensure_ascii=False) + "\n")


def _units(
    config: Config, cache: Cache, console: Console
) -> tuple[list[tuple[Unit, UnitContext]], list[str]]:
    """Every unit of ``config.paths`` with its context, and its cache key."""
    found = discover(config.paths, exclude=config.exclude)
    for problem in found.problems:
        console.warn(problem)
    units = project_units(found.files, config, cache, console)
    version = prompt_version(config.templates)
    keys = [doc_key(u, c, prompt_version=version, model=config.model_id) for u, c in units]
    return units, keys


def _need_endpoint(config: Config) -> None:
    if not config.endpoints:
        raise ConfigError("a batch needs a model: give --base-url and --model (or --endpoint)")


def _with_paths(config: Config) -> Config:
    if config.paths:
        return config
    recorded = _read_state(config).get("paths") or []
    if not recorded:
        raise InputError("no PATH given and none recorded by an earlier `docgen batch export`")
    return config.with_(paths=tuple(recorded))


def export(config: Config, output: str, *, console: Console, out: TextIO) -> int:
    _need_endpoint(config)
    with quiet_gc(), Cache(config.cache_dir) as cache:
        units, keys = _units(config, cache, console)
        done = set(cache.get_docs(keys))
        if not config.retry_fallbacks:
            done |= set(cache.get_fallbacks(keys))
    pending = pending_units(units, keys, lambda key: key in done and not config.force)
    prompts = PromptBuilder(lang=config.lang, templates=config.templates)
    lines = list(request_lines(pending, endpoint=config.endpoints[0], prompts=prompts))
    _write_atomic(Path(output), "".join(line + "\n" for line in lines))
    state = _read_state(config)
    state["paths"] = list(config.paths)
    _write_state(config, state)
    out.write(
        f"{output}: {len(lines)} requests ({len(units) - len(lines)} of {len(units)} units"
        f" already answered) for model {config.endpoints[0].model}\n"
    )
    return EXIT_OK


def import_file(config: Config, results: str, *, console: Console, out: TextIO) -> int:
    _need_endpoint(config)
    config = _with_paths(config)
    try:
        lines = Path(results).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"{results}: {exc.strerror or exc}") from None
    offline = OfflineWriter(lang=config.lang, templates=config.templates)
    with quiet_gc(), Cache(config.cache_dir) as cache:
        units, keys = _units(config, cache, console)
        report = read_results(
            lines,
            units=dict(zip(keys, units, strict=True)),
            lang=config.lang,
            store=lambda key, uid, doc, usage: cache.put_doc(
                key, uid, doc, usage, model=config.model_id
            ),
            offline=offline.document,
        )
    if config.output_format == "json":
        json.dump(report.to_dict(), out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        out.write(
            f"{results}: {len(report.stored)} answers stored, {len(report.rejected)} rejected,"
            f" {len(report.failed)} failed, {len(report.stale)} stale (the code changed),"
            f" {len(report.bad_lines)} unreadable lines; tokens {report.usage.prompt_tokens}"
            f" prompt + {report.usage.completion_tokens} completion\n"
        )
        for uid, reason in [*report.rejected, *report.failed][:20]:
            out.write(f"  {uid}: {reason}\n")
        for number, reason in report.bad_lines[:20]:
            out.write(f"  {results}:{number}: {reason}\n")
    return EXIT_OK if not (report.rejected or report.failed) else EXIT_UNITS_FAILED


def _client(config: Config):
    import openai

    endpoint = config.endpoints[0]
    return openai.OpenAI(
        api_key=endpoint.api_key(os.environ), base_url=endpoint.base_url, max_retries=2
    )


def submit(config: Config, requests: str, *, out: TextIO) -> int:
    _need_endpoint(config)
    path = Path(requests)
    if not path.is_file():
        raise InputError(f"{requests}: no such file (write it with `docgen batch export`)")
    client = _client(config)
    try:
        with path.open("rb") as fh:
            uploaded = client.files.create(file=fh, purpose="batch")
        batch = client.batches.create(
            input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
    except Exception as exc:  # the openai package's errors: one line, no traceback
        raise TransportError(f"submitting {requests}: {type(exc).__name__}: {exc}") from None
    state = _read_state(config)
    state.setdefault("batches", []).append(
        {"id": batch.id, "input": str(path), "status": batch.status, "imported": False}
    )
    _write_state(config, state)
    out.write(f"batch {batch.id} submitted ({batch.status}); `docgen batch collect` imports it\n")
    return EXIT_OK


def collect(
    config: Config, *, console: Console, out: TextIO, wait: float = 0.0, interval: float = 10.0
) -> int:
    _need_endpoint(config)
    state = _read_state(config)
    open_batches = [b for b in state.get("batches", []) if not b.get("imported")]
    if not open_batches:
        out.write("no batch waiting to be collected\n")
        return EXIT_OK
    client = _client(config)
    deadline = time.monotonic() + wait
    code = EXIT_OK
    for record in open_batches:
        while True:
            try:
                batch = client.batches.retrieve(record["id"])
            except Exception as exc:
                raise TransportError(f"batch {record['id']}: {type(exc).__name__}: {exc}") from None
            record["status"] = batch.status
            if batch.status in _DONE or time.monotonic() >= deadline:
                break
            time.sleep(min(interval, max(0.0, deadline - time.monotonic())))
        _write_state(config, state)
        if batch.status not in _DONE:
            out.write(f"batch {record['id']}: {batch.status}; run `docgen batch collect` later\n")
            code = max(code, EXIT_UNITS_FAILED)
            continue
        folder = Path(config.cache_dir) / "batches"
        saved = []
        for kind, file_id in (("output", batch.output_file_id), ("errors", batch.error_file_id)):
            if not file_id:
                continue
            target = folder / f"{record['id']}.{kind}.jsonl"
            if not target.exists():  # downloaded before a kill: not downloaded again
                text = client.files.content(file_id).text
                _write_atomic(target, text)
            saved.append(target)
        for target in saved:
            code = max(code, import_file(config, str(target), console=console, out=out))
        record["imported"] = True
        _write_state(config, state)
        if batch.status != "completed":
            out.write(f"batch {record['id']}: {batch.status}\n")
            code = max(code, EXIT_UNITS_FAILED)
    return code


def run_batch(
    action: str, config: Config, *, console: Console, file: str | None, wait: float = 0.0
) -> int:
    """One ``docgen batch`` action; returns the exit code."""
    out = sys.stdout
    if action == "export":
        return export(config, file or "requests.jsonl", console=console, out=out)
    if action == "import":
        if not file:
            raise InputError("docgen batch import needs the results file")
        return import_file(config, file, console=console, out=out)
    if action == "submit":
        return submit(config, file or "requests.jsonl", out=out)
    if action == "collect":
        return collect(config, console=console, out=out, wait=wait)
    return EXIT_ERROR
