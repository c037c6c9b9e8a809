"""The subcommands besides documenting: ``docgen check`` and ``docgen estimate``.

Neither calls a model. ``check`` only hashes files against the manifest; ``estimate`` extracts the
code (through the extraction cache), builds every prompt the chat writer would send and counts it.
Each returns the exit code; the CLI parses flags and prints errors.
"""

from __future__ import annotations

import json
import sys
from typing import TextIO

from docgen import incremental
from docgen.cache import Cache
from docgen.check import check
from docgen.config import Config
from docgen.console import Console
from docgen.context import contexts
from docgen.discover import discover
from docgen.estimate import estimate
from docgen.extract import extract_all
from docgen.report import EXIT_ERROR, EXIT_OK


def run_check(config: Config, *, console: Console, out: TextIO | None = None) -> int:
    """Exit 0 when every page of ``config.paths`` is up to date, else 1 with the list."""
    out = out or sys.stdout
    discovery = discover(config.paths, exclude=config.exclude)
    result = check(
        discovery.files,
        out_dir=config.out,
        lang=config.lang,
        template_hash=incremental.template_hash(config),
    )
    reasons = dict(result.details)
    if config.output_format == "json":
        payload = {
            "ok": result.ok,
            "stale": list(result.stale),
            "missing": list(result.missing),
            "orphaned": list(result.orphaned),
            "reasons": reasons,
        }
        json.dump(payload, out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        for label, modules in (
            ("stale", result.stale),
            ("missing", result.missing),
            ("orphaned", result.orphaned),
        ):
            for module in modules:
                out.write(f"{label}: {module} ({reasons.get(module, '')})\n")
    if result.ok:
        console.info(f"{len(discovery.files)} modules, every page up to date in {config.out}/")
        return EXIT_OK
    total = len(result.stale) + len(result.missing) + len(result.orphaned)
    console.error(f"{total} module(s) out of date in {config.out}/: run docgen to update them")
    return EXIT_ERROR


def run_estimate(
    config: Config,
    *,
    console: Console,
    price_in: float,
    price_out: float,
    out: TextIO | None = None,
) -> int:
    """Print what documenting ``config.paths`` with the model would cost."""
    out = out or sys.stdout
    from docgen.write.prompts import build_messages, estimate_tokens, prompt_version
    from docgen.write.run import model_id

    discovery = discover(config.paths, exclude=config.exclude)
    for problem in discovery.problems:
        console.warn(problem)
    with Cache(config.cache_dir) as cache:
        keys = {
            f.path: (incremental.file_hash(f.path), f.module, f.rel_path, f.is_package)
            for f in discovery.files
        }
        found = cache.get_modules(keys.values())
        modules = [found[k] for k in keys.values() if k in found]
        missing = [f for f in discovery.files if keys[f.path] not in found]
        for result in extract_all(missing, jobs=config.jobs):
            if result.module is not None:
                modules.append(result.module)
            elif result.problem is not None:
                console.warn(result.problem)
        cache.put_modules(modules[len(found) :])
        units = [pair for module in modules for pair in contexts(module, lang=config.lang)]
        model = model_id(config) if config.endpoints else ""
        version = prompt_version(config.templates)
        keys_by_uid = {
            unit.uid: cache.doc_key_for(unit, context, version, model, config.lang)
            for unit, context in units
        }
        stored = set() if config.force or not model else set(cache.get_docs(keys_by_uid.values()))

    def prompt_for(unit, context) -> str:
        messages = build_messages(unit, context, lang=config.lang, templates=config.templates)
        return "\n".join(m["content"] for m in messages)

    result = estimate(
        units,
        cached=lambda unit, context: keys_by_uid[unit.uid] in stored,
        count_tokens=estimate_tokens,
        prompt_for=prompt_for,
        price_in=price_in,
        price_out=price_out,
    )
    if config.output_format == "json":
        json.dump(result.to_dict(), out, ensure_ascii=False, indent=2)
        out.write("\n")
        return EXIT_OK
    out.write(
        f"units {result.units}: {result.cached} cached, {result.to_do} to do\n"
        f"prompt tokens {result.prompt_tokens}, expected completion tokens "
        f"{result.completion_tokens}\n"
    )
    for kind in result.by_kind:
        out.write(
            f"  {kind.kind}: {kind.units} units, {kind.to_do} to do, "
            f"{kind.prompt_tokens} prompt + {kind.completion_tokens} completion tokens\n"
        )
    if price_in or price_out:
        out.write(
            f"cost ${result.cost_usd:.4f} at ${price_in:g} / ${price_out:g} per million tokens "
            "(prompt / completion)\n"
        )
    else:
        out.write("cost: pass --price-in and --price-out (USD per million tokens)\n")
    return EXIT_OK
