"""The order of the stages, and nothing else: discover → extract → write → render → site.

:func:`run` is the whole of a ``docgen PATH...`` run. Each stage lives in its own module and passes
frozen records to the next; this module wires them together, consults the cache and the last run's
manifest between them, and totals what came back into a :class:`~docgen.report.RunReport`.

With the offline writer, modules stream: each one is written, rendered and put on disk as soon as
the parser pool returns it, so a run over thousands of files keeps little in memory and the
rendering overlaps the parsing. With a model, every module is extracted first, the units are
written concurrently, and the pages follow.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterable, Iterator, Sequence

from docgen import incremental
from docgen.cache import Cache, ModuleKey
from docgen.config import Config
from docgen.console import Console
from docgen.context import contexts
from docgen.discover import discover
from docgen.extract import EMPTY_FILE, ONLY_COMMENTS, extract_all
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
from docgen.report import Outcome, RunReport
from docgen.site import SiteResult, SiteWriter, page_path
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
    words = renderer.nav_titles()
    site = SiteWriter(
        out_dir=config.out,
        mkdocs_yml=config.mkdocs_yml,
        site_name=config.site_name or words["name"],
        lang=config.lang,
        titles=words,
        overwrite=config.force,
        carry=plan.carry,
        fingerprint=plan.fingerprint,
        template_hash=plan.template_hash,
    )
    if config.offline:
        console.info("No model endpoint configured: the built-in offline writer is used.")

    outcomes: list[Outcome] = []
    listed: list[incremental.Listed] = []
    with _quiet_gc(), Cache(config.cache_dir) as cache:
        modules = _modules(
            plan.todo, cache=cache, jobs=config.jobs, problems=problems, console=console
        )
        try:
            if config.offline:
                documented = _offline(modules, config)
            else:
                documented = _with_model(list(modules), config, cache=cache, console=console)
            for module, docs, results in documented:
                outcomes.extend(Outcome.of(r) for r in results)
                complete = all(_settled(r) for r in results)
                for page in _module_pages(module, docs, renderer, complete=complete):
                    site.write(page)
                listed.append(_listing(module, docs))
        except KeyboardInterrupt:
            return _report(config, discovery.files, listed, plan, outcomes, problems, started,
                           interrupted=True)  # fmt: skip

    processed = list(listed)
    listed.extend(incremental.listed(config.out, plan.carry))
    site.write(_home(listed, renderer, site_name=config.site_name or words["name"]))
    result = site.finish()
    for warning in result.warnings:
        console.warn(warning)
    for kept in result.kept:
        console.warn(f"{config.out}/{kept}: not docgen's page (edited or your own): left as it is")
    return _report(config, discovery.files, processed, plan, outcomes, problems, started,
                   site=result)  # fmt: skip


class _quiet_gc:
    """Collect cyclic garbage rarely during a run: the records are acyclic, and a big run holds
    hundreds of thousands of them, which the collector would otherwise walk again and again."""

    def __enter__(self) -> None:
        self.thresholds = gc.get_threshold()
        gc.freeze()
        gc.set_threshold(100_000, 50, 1000)

    def __exit__(self, *exc: object) -> None:
        gc.set_threshold(*self.thresholds)
        gc.unfreeze()


def _settled(result: UnitResult) -> bool:
    """True when a rerun has nothing to gain for this unit."""
    return isinstance(result, Documented) and result.source is not DocSource.FALLBACK


def _report(config, files, listed, plan, outcomes, problems, started, *, interrupted=False,
            site: SiteResult | None = None) -> RunReport:  # fmt: skip
    return RunReport(
        results=tuple(outcomes),
        problems=tuple(problems),
        files=len(files),
        modules=len(listed),
        modules_skipped=len(plan.carry),
        pages_written=site.written if site else (),
        pages_removed=site.removed if site else (),
        wall_seconds=time.perf_counter() - started,
        writer="offline" if config.offline else "model",
        interrupted=interrupted,
        strict=config.strict,
    )


def _modules(
    files: Sequence[SourceFile],
    *,
    cache: Cache,
    jobs: int,
    problems: list[Problem],
    console: Console,
) -> Iterator[ModuleInfo]:
    """Modules for ``files``: from the extraction cache by file hash, else parsed and stored.
    Parsed modules come as the pool returns them."""
    keys = {
        f.path: ModuleKey(incremental.file_hash(f.path), f.module, f.rel_path, f.is_package)
        for f in files
    }
    found = cache.get_modules(keys.values())
    yield from (found[key] for key in keys.values() if key in found)
    for result in extract_all([f for f in files if keys[f.path] not in found], jobs=jobs):
        if result.module is not None:
            cache.put_module(result.module, file_sha256=keys[result.file.path].file_sha256)
            yield result.module
        elif result.problem is not None:
            if result.file.is_package and result.problem.reason in (EMPTY_FILE, ONLY_COMMENTS):
                continue  # an empty __init__.py only marks a package: nothing to say about it
            problems.append(result.problem)
            console.warn(result.problem)


Documented_ = tuple[ModuleInfo, dict[str, Doc], list[UnitResult]]


def _offline(modules: Iterable[ModuleInfo], config: Config) -> Iterator[Documented_]:
    writer = OfflineWriter(lang=config.lang)
    for module in modules:
        docs: dict[str, Doc] = {}
        results: list[UnitResult] = []
        for unit, context in contexts(module, lang=config.lang):
            doc = writer.document(unit, context)
            docs[unit.uid] = doc
            results.append(Documented(unit.uid, doc, DocSource.OFFLINE))
        yield module, docs, results


def _with_model(
    modules: Sequence[ModuleInfo], config: Config, *, cache: Cache, console: Console
) -> Iterator[Documented_]:
    from docgen.write.run import write_with_model  # loads openai only when a model is used

    docs: dict[str, Doc] = {}
    results: list[UnitResult] = []
    write_with_model(
        [pair for module in modules for pair in contexts(module, lang=config.lang)],
        config=config,
        cache=cache,
        fallback=OfflineWriter(lang=config.lang).document,
        progress=console,
        docs=docs,
        results=results,
    )
    by_module: dict[str, list[UnitResult]] = {}
    for result in results:
        by_module.setdefault(result.uid.partition(":")[0], []).append(result)
    for module in modules:
        prefix = module.name + ":"
        mine = {uid: d for uid, d in docs.items() if uid == module.name or uid.startswith(prefix)}
        yield module, mine, by_module.get(module.name, [])


def _module_pages(
    module: ModuleInfo, docs: dict[str, Doc], renderer: Renderer, *, complete: bool
) -> Iterator[Page]:
    module_doc = docs.get(module.uid)
    title = module_doc.title if isinstance(module_doc, ModuleDoc) else ""
    for kind, render in (
        (PageKind.REFERENCE, renderer.reference),
        (PageKind.USAGE, renderer.usage),
    ):
        yield Page(
            kind,
            module.name,
            page_path(module.name, kind, is_package=module.is_package),
            render(module, docs),
            source_hash=module.source_hash,
            title=title,
            complete=complete,
        )


def _listing(module: ModuleInfo, docs: dict[str, Doc]) -> incremental.Listed:
    module_doc = docs.get(module.uid)
    return incremental.Listed(
        module.name,
        module_doc.title if isinstance(module_doc, ModuleDoc) else "",
        page_path(module.name, PageKind.REFERENCE, is_package=module.is_package),
        page_path(module.name, PageKind.USAGE, is_package=module.is_package),
    )


def _home(listed: Sequence[incremental.Listed], renderer: Renderer, *, site_name: str) -> Page:
    """The home page lists the modules of this run and those carried over from the last one."""
    links = {m.name: (m.reference, m.usage) for m in listed}
    text = renderer.home(listed, site_name=site_name, links=links, docs={m.uid: m for m in listed})
    return Page(PageKind.HOME, "", page_path("", PageKind.HOME, is_package=False), text)
