"""The subcommands besides documenting: ``docgen check``, ``docgen estimate``, ``docgen build``.

None calls a model. ``check`` only hashes files against the manifest; ``estimate`` extracts the
code (through the extraction cache), builds every prompt the chat writer would send and counts it;
``build`` runs MkDocs on the site. Each returns the exit code; the CLI parses flags and prints
errors. (They sit beside the CLI rather than in it so the CLI stays argument parsing only.)
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from docgen.config import Config
from docgen.discover import discover
from docgen.errors import InputError, SiteError
from docgen.extract import extract_all, quiet_gc
from docgen.model import SourceFile, Unit, UnitContext
from docgen.site import build_site, read_manifest
from docgen.store.cache import Cache
from docgen.store.keys import template_hash
from docgen.store.plan import check
from docgen.ui import quality
from docgen.ui.console import Console
from docgen.ui.report import EXIT_ERROR, EXIT_OK
from docgen.write.context import contexts, doc_key, project_graph

__all__ = ["run_build", "run_check", "run_estimate"]


def run_check(config: Config, *, console: Console, out: TextIO | None = None) -> int:
    """Exit 0 when every page of ``config.paths`` is up to date, else 1 with the list."""
    out = out or sys.stdout
    discovery = discover(config.paths, exclude=config.exclude)
    try:
        manifest = read_manifest(config.out)
    except SiteError as exc:
        console.warn(str(exc))
        manifest = None
    result = check(
        discovery.files,
        manifest,
        out_dir=config.out,
        lang=config.lang,
        template_hash=template_hash(config.templates),
    )
    reasons = dict(result.details)
    report = _quality(discovery.files, manifest)
    failing = report.failing(dict(config.gates)) if report else []
    if config.output_format == "json":
        payload = {
            "ok": result.ok and not failing,
            "stale": list(result.stale),
            "missing": list(result.missing),
            "orphaned": list(result.orphaned),
            "reasons": reasons,
            "quality": report.to_dict() if report else None,
            "quality_failing": failing,
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
    if report is not None:
        console.info(report.line())
    if result.ok and not failing:
        console.info(f"{len(discovery.files)} modules, every page up to date in {config.out}/")
        return EXIT_OK
    if not result.ok:
        stale = len(result.stale) + len(result.missing) + len(result.orphaned)
        console.error(f"{stale} module(s) out of date in {config.out}/: run docgen to update them")
    for line in failing:
        console.error(f"quality: {line}")
    return EXIT_ERROR


def _quality(files, manifest) -> quality.QualityReport | None:
    """The quality of the checked modules' pages, from the manifest."""
    checked = {f.module for f in files}
    modules = [
        quality.ModuleQuality(e.module, rel, e.quality)
        for rel, e in (manifest.pages.items() if manifest else ())
        if e.module in checked and e.quality is not None
    ]
    return quality.total(modules) if modules else None


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
    from docgen.write.chat.estimate import estimate, estimate_tokens
    from docgen.write.chat.prompts import PromptBuilder
    from docgen.write.chat.version import prompt_version

    discovery = discover(config.paths, exclude=config.exclude)
    for problem in discovery.problems:
        console.warn(problem)
    with quiet_gc(), Cache(config.cache_dir) as cache:
        units = project_units(discovery.files, config, cache, console)
        model = config.model_id
        version = prompt_version(config.templates)
        keys_by_uid = {
            unit.uid: doc_key(unit, context, prompt_version=version, model=model)
            for unit, context in units
        }
        stored = set() if config.force or not model else set(cache.get_docs(keys_by_uid.values()))
        measured = cache.completion_ratio(model) if model else None
    prompts = PromptBuilder(lang=config.lang, templates=config.templates)

    def prompt_for(unit, context) -> str:
        return "\n".join(m["content"] for m in prompts.messages(unit, context))

    result = estimate(
        units,
        cached=lambda unit, context: keys_by_uid[unit.uid] in stored,
        count_tokens=estimate_tokens,
        prompt_for=prompt_for,
        price_in=price_in,
        price_out=price_out,
        measured=measured,
    )
    if config.output_format == "json":
        json.dump(result.to_dict(), out, ensure_ascii=False, indent=2)
        out.write("\n")
        return EXIT_OK
    out.write(
        f"units {result.units}: {result.cached} cached, {result.to_do} to do\n"
        f"prompt tokens {result.prompt_tokens}, expected completion tokens "
        f"{result.completion_tokens} ({result.basis})\n"
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


def project_units(
    files: Sequence[SourceFile], config: Config, cache: Cache, console: Console
) -> list[tuple[Unit, UnitContext]]:
    """Every unit of ``files`` with its context, extracted through the cache; a file's
    problem is one warning."""
    units: list[tuple[Unit, UnitContext]] = []
    extracted = extract_all(
        files,
        cache=cache,
        jobs=config.jobs,
        timeout=config.parse_timeout,
        memory=config.parse_memory * 1024**2,
    )
    modules = []
    for item in extracted:
        if item.module is not None:
            modules.append(item.module)
        elif item.problem is not None:
            console.warn(item.problem)
    graph = project_graph(modules)  # the prompts a live run of the whole project would send
    for module in modules:
        units += contexts(module, lang=config.lang, graph=graph)
    return units


def run_build(config: Config, *, strict: bool, engine: str = "mkdocs") -> int:
    """``mkdocs build`` or ``zensical build`` (``--strict`` unless told otherwise) on the
    site's mkdocs.yml."""
    if not os.path.exists(config.mkdocs_yml):
        raise InputError(f"{config.mkdocs_yml} not found: run docgen PATH... first")
    return build_site(config.mkdocs_yml, strict=strict, engine=engine)
