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

import dataclasses
import functools
import gc
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from docgen import extract_pool, incremental
from docgen.cache import Cache, ModuleKey, dump_module
from docgen.config import Config
from docgen.console import Console
from docgen.context import contexts
from docgen.discover import discover
from docgen.extract import EMPTY_FILE, ONLY_COMMENTS, extract_all, extract_file
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
        try:
            if config.offline:
                done = _offline(plan.todo, config, cache=cache, renderer=renderer)
            else:
                modules = list(_modules(plan.todo, cache=cache, jobs=config.jobs))
                done = _with_model(modules, config, cache=cache, renderer=renderer, console=console)
            for item in done:
                if item.problem is not None:
                    _problem(item.file, item.problem, problems, console)
                    continue
                outcomes.extend(item.outcomes)
                for page in item.pages:
                    site.write(page)
                if item.listing is not None:
                    listed.append(item.listing)
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


@dataclass(frozen=True, slots=True)
class _Done:
    """One file through write and render: its pages and unit outcomes, or its problem."""

    file: SourceFile
    problem: Problem | None = None
    pages: tuple[Page, ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    listing: incremental.Listed | None = None
    parse: bytes = b""  # the extraction cache's record of the parse (made where it was parsed)


def _problem(file: SourceFile, problem: Problem, problems: list[Problem], console: Console) -> None:
    if file.is_package and problem.reason in (EMPTY_FILE, ONLY_COMMENTS):
        return  # an empty __init__.py only marks a package: nothing to say about it
    problems.append(problem)
    console.warn(problem)


def _keys(files: Sequence[SourceFile]) -> dict[str, ModuleKey]:
    return {
        f.path: ModuleKey(incremental.file_hash(f.path), f.module, f.rel_path, f.is_package)
        for f in files
    }


def _modules(
    files: Sequence[SourceFile], *, cache: Cache, jobs: int
) -> Iterator[tuple[SourceFile, ModuleInfo] | _Done]:
    """Modules for ``files``: from the extraction cache by file hash, else parsed and stored;
    a file that cannot be parsed comes as a :class:`_Done` holding its problem."""
    keys = _keys(files)
    found = cache.get_modules(keys.values())
    yield from ((f, found[keys[f.path]]) for f in files if keys[f.path] in found)
    for result in extract_all([f for f in files if keys[f.path] not in found], jobs=jobs):
        if result.module is not None:
            cache.put_module(result.module, file_sha256=keys[result.file.path].file_sha256)
            yield result.file, result.module
        else:
            yield _Done(result.file, problem=result.problem)


def _offline(
    files: Sequence[SourceFile], config: Config, *, cache: Cache, renderer: Renderer
) -> Iterator[_Done]:
    """Offline writing streams: cached parses are documented here, the rest in the parser
    pool's workers, each file parsed, written and rendered where it was read."""
    keys = _keys(files)
    found = cache.get_modules(keys.values())
    writer = OfflineWriter(lang=config.lang)
    for file in files:
        if keys[file.path] in found:
            yield _document(file, found[keys[file.path]], writer, renderer, lang=config.lang)
    task = functools.partial(_offline_task, lang=config.lang, templates=config.templates)
    for done in extract_pool.run(
        [f for f in files if keys[f.path] not in found], jobs=config.jobs, task=task
    ):
        if done.parse:
            cache.put_module_blobs([(keys[done.file.path], done.parse)])
        yield done


def _offline_task(file: SourceFile, *, lang: str, templates: str | None) -> _Done:
    """In a worker: parse, write and render one file (never raises)."""
    result = extract_file(file)
    if result.module is None:
        return _Done(file, problem=result.problem)
    writer, renderer = _tools(lang, templates)
    done = _document(file, result.module, writer, renderer, lang=lang)
    return dataclasses.replace(done, parse=dump_module(result.module))


@functools.lru_cache(maxsize=4)
def _tools(lang: str, templates: str | None) -> tuple[OfflineWriter, Renderer]:
    """One writer and renderer per worker process and settings (building them loads templates)."""
    return OfflineWriter(lang=lang), Renderer(lang=lang, user_templates=templates)


def _document(
    file: SourceFile, module: ModuleInfo, writer: OfflineWriter, renderer: Renderer, *, lang: str
) -> _Done:
    docs: dict[str, Doc] = {}
    outcomes: list[Outcome] = []
    for unit, context in contexts(module, lang=lang):
        doc = writer.document(unit, context)
        docs[unit.uid] = doc
        outcomes.append(Outcome(unit.uid, "offline"))
    return _pages(file, module, docs, renderer, tuple(outcomes), complete=True)


def _with_model(
    modules: Sequence[tuple[SourceFile, ModuleInfo] | _Done],
    config: Config,
    *,
    cache: Cache,
    renderer: Renderer,
    console: Console,
) -> Iterator[_Done]:
    from docgen.write.run import write_with_model  # loads openai only when a model is used

    yield from (m for m in modules if isinstance(m, _Done))
    parsed = [m for m in modules if not isinstance(m, _Done)]
    docs: dict[str, Doc] = {}
    results: list[UnitResult] = []
    write_with_model(
        [pair for _, module in parsed for pair in contexts(module, lang=config.lang)],
        config=config,
        cache=cache,
        fallback=OfflineWriter(lang=config.lang).document,
        progress=console,
        docs=docs,
        results=results,
    )
    results_of: dict[str, list[UnitResult]] = {}
    for result in results:
        results_of.setdefault(result.uid.partition(":")[0], []).append(result)
    docs_of: dict[str, dict[str, Doc]] = {}
    for uid, doc in docs.items():
        docs_of.setdefault(uid.partition(":")[0], {})[uid] = doc
    for file, module in parsed:
        mine = results_of.get(module.name, [])
        outcomes = tuple(Outcome.of(r) for r in mine)
        complete = all(_settled(r) for r in mine)
        yield _pages(
            file, module, docs_of.get(module.name, {}), renderer, outcomes, complete=complete
        )


def _pages(
    file: SourceFile,
    module: ModuleInfo,
    docs: dict[str, Doc],
    renderer: Renderer,
    outcomes: tuple[Outcome, ...],
    *,
    complete: bool,
) -> _Done:
    """Render the reference page and the usage note of one documented module."""
    module_doc = docs.get(module.uid)
    title = module_doc.title if isinstance(module_doc, ModuleDoc) else ""
    paths = {
        kind: page_path(module.name, kind, is_package=module.is_package)
        for kind in (PageKind.REFERENCE, PageKind.USAGE)
    }
    pages = tuple(
        Page(
            kind,
            module.name,
            paths[kind],
            render(module, docs),
            module.source_hash,
            title,
            complete,
        )
        for kind, render in (
            (PageKind.REFERENCE, renderer.reference),
            (PageKind.USAGE, renderer.usage),
        )
    )
    listing = incremental.Listed(
        module.name, title, paths[PageKind.REFERENCE], paths[PageKind.USAGE]
    )
    return _Done(file, pages=pages, outcomes=outcomes, listing=listing)


def _home(listed: Sequence[incremental.Listed], renderer: Renderer, *, site_name: str) -> Page:
    """The home page lists the modules of this run and those carried over from the last one."""
    links = {m.name: (m.reference, m.usage) for m in listed}
    text = renderer.home(listed, site_name=site_name, links=links, docs={m.uid: m for m in listed})
    return Page(PageKind.HOME, "", page_path("", PageKind.HOME, is_package=False), text)
