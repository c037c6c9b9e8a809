"""The order of the stages, and nothing else: discover → extract → write → render → site.

:func:`run` is the whole of a ``docgen PATH...`` run. Each stage lives in its own module and passes
frozen records to the next; this module wires them together, consults the cache and the last run's
manifest between them, and totals what came back into a :class:`~docgen.report.RunReport`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

from docgen import incremental
from docgen.cache import Cache, ModuleKey
from docgen.config import Config
from docgen.console import Console
from docgen.context import contexts
from docgen.discover import discover
from docgen.extract import extract_all
from docgen.model import (
    Doc,
    DocSource,
    Documented,
    ModuleDoc,
    ModuleInfo,
    Page,
    PageKind,
    Problem,
    SourceFile,
    UnitResult,
)
from docgen.render import Renderer
from docgen.report import RunReport
from docgen.site import page_path, write_site
from docgen.vcs import changed_files
from docgen.write.offline import OfflineWriter


def run(config: Config, *, console: Console) -> RunReport:
    """Document ``config.paths`` into ``config.out`` and return the report."""
    started = time.perf_counter()
    discovery = discover(config.paths, exclude=config.exclude)
    problems: list[Problem] = list(discovery.problems)
    for problem in discovery.problems:
        console.warn(problem)
    changed = changed_files(config.changed_since) if config.changed_since else None
    plan = incremental.plan(discovery.files, config=config, changed=changed)
    renderer = Renderer(lang=config.lang, user_templates=config.templates)
    if config.offline:
        console.info(
            "No model endpoint configured: the built-in offline writer documents the code."
        )

    results: list[UnitResult] = []
    with Cache(config.cache_dir) as cache:
        modules = _extract(
            plan.todo, cache=cache, jobs=config.jobs, problems=problems, console=console
        )
        try:
            docs = _write(modules, cache=cache, config=config, console=console, results=results)
        except KeyboardInterrupt:
            return _report(config, discovery.files, modules, plan, results, problems, started,
                           interrupted=True)  # fmt: skip

    incomplete = {r.uid.partition(":")[0] for r in results if not _settled(r)}
    pages = list(_module_pages(modules, docs, renderer, incomplete))
    pages.append(_home(modules, docs, plan, renderer, config))
    site = write_site(
        pages,
        out_dir=config.out,
        mkdocs_yml=config.mkdocs_yml,
        site_name=config.site_name or renderer.nav_titles()["name"],
        lang=config.lang,
        titles=renderer.nav_titles(),
        overwrite=config.force,
        carry=plan.carry,
        fingerprint=plan.fingerprint,
        template_hash=plan.template_hash,
    )
    for warning in site.warnings:
        console.warn(warning)
    for kept in site.kept:
        console.warn(f"{config.out}/{kept}: not docgen's page (edited or your own): left as it is")
    return _report(config, discovery.files, modules, plan, results, problems, started, site=site)


def _settled(result: UnitResult) -> bool:
    """True when a rerun has nothing to gain for this unit."""
    return isinstance(result, Documented) and result.source is not DocSource.FALLBACK


def _report(config, files, modules, plan, results, problems, started, *, interrupted=False,
            site=None) -> RunReport:  # fmt: skip
    return RunReport(
        results=tuple(results),
        problems=tuple(problems),
        files=len(files),
        modules=len(modules),
        modules_skipped=len(plan.carry),
        pages_written=site.written if site else (),
        pages_removed=site.removed if site else (),
        wall_seconds=time.perf_counter() - started,
        writer="offline" if config.offline else "model",
        interrupted=interrupted,
        strict=config.strict,
    )


def _extract(
    files: Sequence[SourceFile],
    *,
    cache: Cache,
    jobs: int,
    problems: list[Problem],
    console: Console,
) -> list[ModuleInfo]:
    """Modules for ``files``: from the extraction cache by file hash, else parsed (and stored)."""
    keys = {
        f.path: ModuleKey(incremental.file_hash(f.path), f.module, f.rel_path, f.is_package)
        for f in files
    }
    found = cache.get_modules(keys.values())
    modules = {path: found[key] for path, key in keys.items() if key in found}
    parsed: list[ModuleInfo] = []
    for result in extract_all([f for f in files if f.path not in modules], jobs=jobs):
        if result.module is not None:
            modules[result.file.path] = result.module
            parsed.append(result.module)
        elif result.problem is not None:
            problems.append(result.problem)
            console.warn(result.problem)
    cache.put_modules(parsed)
    return [modules[f.path] for f in files if f.path in modules]


def _write(
    modules: Sequence[ModuleInfo],
    *,
    cache: Cache,
    config: Config,
    console: Console,
    results: list[UnitResult],
) -> dict[str, Doc]:
    """Write every unit of ``modules``; returns docs by uid, appends each result to ``results``."""
    offline = OfflineWriter(lang=config.lang)
    docs: dict[str, Doc] = {}
    if config.offline:
        for module in modules:
            for unit, context in contexts(module, lang=config.lang):
                doc = offline.document(unit, context)
                docs[unit.uid] = doc
                results.append(Documented(unit.uid, doc, DocSource.OFFLINE))
        return docs

    from docgen.write.run import write_with_model  # loads openai only when a model is used

    write_with_model(
        [pair for module in modules for pair in contexts(module, lang=config.lang)],
        config=config,
        cache=cache,
        fallback=offline.document,
        progress=console,
        docs=docs,
        results=results,
    )
    return docs


def _module_pages(
    modules: Sequence[ModuleInfo],
    docs: dict[str, Doc],
    renderer: Renderer,
    incomplete: set[str],
) -> Iterable[Page]:
    grouped: dict[str, dict[str, Doc]] = {}
    for uid, doc in docs.items():
        grouped.setdefault(uid.partition(":")[0], {})[uid] = doc
    for module in modules:
        mine = grouped.get(module.name, {})
        module_doc = mine.get(module.uid)
        title = module_doc.title if isinstance(module_doc, ModuleDoc) else ""
        for kind, render in (
            (PageKind.REFERENCE, renderer.reference),
            (PageKind.USAGE, renderer.usage),
        ):
            yield Page(
                kind,
                module.name,
                page_path(module.name, kind, is_package=module.is_package),
                render(module, mine),
                source_hash=module.source_hash,
                title=title,
                complete=module.name not in incomplete,
            )


def _home(
    modules: Sequence[ModuleInfo],
    docs: dict[str, Doc],
    plan: incremental.Plan,
    renderer: Renderer,
    config: Config,
) -> Page:
    """The home page lists the modules of this run and those carried over from the last one."""
    rendered = {m.name for m in modules}
    carried = [c for c in incremental.listed(config.out, plan.carry) if c.name not in rendered]
    links = {
        m.name: (
            page_path(m.name, PageKind.REFERENCE, is_package=m.is_package),
            page_path(m.name, PageKind.USAGE, is_package=m.is_package),
        )
        for m in modules
    }
    links.update({c.name: (c.reference, c.usage) for c in carried})
    module_docs: dict[str, object] = {m.uid: docs[m.uid] for m in modules if m.uid in docs}
    module_docs.update({c.uid: c for c in carried})
    text = renderer.home(
        [*modules, *carried],
        site_name=config.site_name or renderer.nav_titles()["name"],
        links=links,
        docs=module_docs,
    )
    return Page(PageKind.HOME, "", page_path("", PageKind.HOME, is_package=False), text)
