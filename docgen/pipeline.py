"""The order of the stages, and nothing else: discover → plan → extract → write → render → site.

:func:`run` is the whole of a ``docgen PATH...`` run. Each stage lives in its own package and
passes frozen records (:mod:`docgen.model`) to the next. The offline and the model runs take the
same path; what differs lives in the stage that needs it. A writer that can document a module where
it was parsed (the offline writer) gets the page rendered there too, with the module's graph
record; the chat writer collects every module first and asks for all their units concurrently, the
project graph in its prompts, and gives each module back as soon as its units are answered, to be
rendered while the other requests are on the wire. Pages wait, compressed, until the whole project
is known; then the symbol table is built, every page is linked and written (the call graph is
built while the names are linked), and the carried pages the change reaches are linked again
from disk.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable
from pathlib import Path

from docgen.config import Config
from docgen.discover import Discovery, changed_files, discover
from docgen.errors import SiteError
from docgen.extract import EMPTY_FILE, ONLY_COMMENTS, extract_all, quiet_gc
from docgen.extract.graph import ProjectGraph
from docgen.model import (
    ExtractResult,
    Listed,
    Manifest,
    ModuleSymbols,
    Outcome,
    Page,
    PageKind,
    Plan,
    Problem,
    SkippedEntry,
    Written,
)
from docgen.render import Renderer, RenderTask
from docgen.render.crosslink import Held, SymbolStore, affected, link_all, linked
from docgen.render.links import page_symbols, unlink
from docgen.resources import templates_dir
from docgen.site import (
    HOME_PAGE,
    LLMS_FULL,
    LLMS_TXT,
    MERMAID_SCRIPT,
    QUALITY_PAGE,
    TABLESORT_SCRIPT,
    SiteResult,
    SiteWriter,
    page_path,
    read_manifest,
)
from docgen.store.cache import Cache
from docgen.store.keys import page_fingerprint, template_hash
from docgen.store.plan import plan as make_plan
from docgen.ui.console import Console
from docgen.ui.quality import ModuleQuality, QualityReport, total
from docgen.ui.report import RunReport
from docgen.write import make_writer, writer_id

__all__ = ["run"]


def run(config: Config, *, console: Console) -> RunReport:
    """Document ``config.paths`` into ``config.out`` and return the report."""
    with quiet_gc():  # to the end: the graph and the linking walk the whole project's records
        return _run(config, console)


def _run(config: Config, console: Console) -> RunReport:
    started = time.perf_counter()
    found = discover(config.paths, exclude=config.exclude)
    for problem in found.problems:
        console.warn(problem)
    for note in found.notes:
        console.info(note)
    manifest = _last_manifest(config.out, console)
    templates = template_hash(config.templates)
    plan = make_plan(
        found.files,
        manifest,
        out_dir=config.out,
        lang=config.lang,
        fingerprint=page_fingerprint(
            lang=config.lang, writer=writer_id(config), template_hash=templates
        ),
        template_hash=templates,
        force=config.force,
        changed=changed_files(config.changed_since) if config.changed_since else None,
    )
    renderer = Renderer(
        lang=config.lang,
        user_templates=config.templates,
        page_budget=config.page_budget,
        diagrams=config.diagrams,
    )
    titles = renderer.nav_titles()
    site_name = config.site_name or titles["name"]
    if config.offline:
        console.info("No model endpoint configured: the built-in offline writer is used.")
    with Cache(config.cache_dir) as cache:
        store = SymbolStore(cache, fingerprint_=plan.fingerprint, page_budget=config.page_budget)
        # first: a carried module without a graph record is redone, so the plan may change
        carried_symbols, plan = _carried_symbols(store, manifest, plan, found)
        site = SiteWriter(
            out_dir=config.out,
            mkdocs_yml=config.mkdocs_yml,
            site_name=site_name,
            lang=config.lang,
            previous=manifest,
            titles=titles,
            overwrite=config.force,
            carry=plan.carry,
            fingerprint=plan.fingerprint,
            template_hash=plan.template_hash,
            mermaid=config.diagrams == "mermaid",
            mermaid_js=bool(config.mermaid_js),
        )
        tally = _Tally(console, site)
        tally.carried(manifest, plan)
        writer = make_writer(config, cache=cache, progress=console, known=carried_symbols)
        then = None
        if writer.in_worker is not None:
            render = RenderTask(
                lang=config.lang,
                templates=config.templates,
                page_path=page_path,
                page_budget=config.page_budget,
                diagrams=config.diagrams,
            )
            then = _WriteAndRender(writer.in_worker, render)
        held = Held()
        extracted = extract_all(
            plan.todo,
            cache=cache,
            jobs=config.jobs,
            then=then,
            force=config.force,
            timeout=config.parse_timeout,
            memory=config.parse_memory * 1024**2,
        )
        if plan.todo:  # the workers parse meanwhile; a run with nothing to redo loads nothing
            writer.prepare()
        try:
            for written in writer.write(extracted):
                pages = renderer.pages(written, page_path)
                symbols = written.symbols
                if symbols is None and written.module is not None and pages:
                    symbols = page_symbols(written.module, pages, written.docs)
                held.add(pages, symbols, written.packed)
                tally.add(written, pages)
                if symbols is not None:  # stored as they come: the work after the parse is serial
                    store.put(tally.hashes[symbols.module], symbols, written.symbols_blob)
        except KeyboardInterrupt:
            site.abandon()  # the journal tells the next run which pages are docgen's
            return tally.report(config, found, plan, started, interrupted=True)

    clock = time.perf_counter()
    graph = ProjectGraph([*carried_symbols.values(), *held.symbols.values()])
    console.debug(f"symbol table of {len(graph.modules)} modules in "
                  f"{time.perf_counter() - clock:.1f} s")  # fmt: skip
    clock, count = time.perf_counter(), len(held)
    listed = [*tally.listed, *(manifest.listed(plan.carry) if manifest else ())]
    jobs = config.jobs or os.cpu_count() or 1
    for page, data in link_all(held, graph, renderer, jobs=jobs, listed=listed):
        site.write(page, data)  # the graph's calls are built in there, while names are linked
    graph.add_calls()  # done already, unless no page was held
    for module, reason in graph.problems:
        console.warn(f"{module}: {reason}")
    console.debug(f"call graph built, {count} pages linked and written in "
                  f"{time.perf_counter() - clock:.1f} s")  # fmt: skip
    clock = time.perf_counter()
    _refresh_carried(site, renderer, graph, manifest, plan, found, listed)
    site.write(Page(PageKind.HOME, "", HOME_PAGE, renderer.home(listed, site_name=site_name)))
    if config.llms_txt:
        llms = renderer.llms(listed, site_name=site_name, full=LLMS_FULL)
        site.write(Page(PageKind.ASSET, "", LLMS_TXT, llms))
        pages = (m.reference for m in sorted(listed, key=lambda m: m.name))
        site.write_concat(Page(PageKind.ASSET, "", LLMS_FULL, ""), pages)
    if config.mermaid_js:
        script = Path(config.mermaid_js).read_text(encoding="utf-8")
        site.write(Page(PageKind.ASSET, "", MERMAID_SCRIPT, script))
    figures = tally.figures()
    if config.quality_page and figures is not None:
        site.write(Page(PageKind.QUALITY, "", QUALITY_PAGE, renderer.quality(figures)))
        script = (templates_dir() / "assets" / "tablesort.js").read_text(encoding="utf-8")
        site.write(Page(PageKind.ASSET, "", TABLESORT_SCRIPT, script))
    console.debug(f"carried, home and site pages in {time.perf_counter() - clock:.1f} s")
    clock = time.perf_counter()
    result = site.finish()
    console.debug(f"pages flushed, manifest and mkdocs.yml written in "
                  f"{time.perf_counter() - clock:.1f} s")  # fmt: skip
    for warning in result.warnings:
        console.warn(warning)
    for kept in result.kept:
        console.warn(f"{config.out}/{kept}: not docgen's page (edited or your own): left as it is")
    return tally.report(config, found, plan, started, site=result)


def _carried_symbols(
    store: SymbolStore, manifest: Manifest | None, plan: Plan, found: Discovery
) -> tuple[dict[str, ModuleSymbols], Plan]:
    """The graph records of the carried modules, when this run changes anything (a run that
    changes nothing needs no graph). A carried module without a stored record is redone."""
    if manifest is None or not plan.carry:
        return {}, plan
    now = {f.module for f in found.files}
    if not plan.todo and set(manifest.by_module()) | set(manifest.skipped) == now:
        return {}, plan
    wanted = {
        module: kinds[PageKind.REFERENCE][1].source_hash
        for module, kinds in manifest.by_module().items()
        if module in plan.carry and PageKind.REFERENCE in kinds
    }
    got = store.get(wanted)
    missing = set(wanted) - set(got)
    if not missing:
        return got, plan
    redo = tuple(f for f in found.files if f.module in missing)
    return got, dataclasses.replace(plan, todo=plan.todo + redo, carry=plan.carry - missing)


def _refresh_carried(
    site: SiteWriter,
    renderer: Renderer,
    graph: ProjectGraph,
    manifest: Manifest | None,
    plan: Plan,
    found: Discovery,
    listed: list[Listed],
) -> None:
    """Carried pages whose links or listings changed, written anew from their text on disk
    (the module is not redone: one edited file still costs one parse). Linked again: the pages
    of modules the graph around them changed for; listed again: a package page when a module
    under it was redone, came or went."""
    if manifest is None:
        return
    before = set(manifest.by_module()) | set(manifest.skipped)  # a skipped file is known too
    now = {f.module for f in found.files}
    touched = {f.module for f in plan.todo} | (before ^ now)
    carried = {m: [e for _, e in kinds.values()] for m, kinds in manifest.by_module().items()
               if m in plan.carry}  # fmt: skip
    relink = affected(graph, carried, touched) if graph.modules else set()
    for rel, entry in manifest.pages.items():
        if entry.kind not in (PageKind.REFERENCE, PageKind.USAGE) or entry.module not in carried:
            continue
        index = entry.kind == str(PageKind.REFERENCE) and rel.endswith("/index.md")
        relist = index and any(m.startswith(entry.module + ".") for m in touched)
        if entry.module not in relink and not relist:
            continue
        got = site.carried(rel)
        if got is None:
            continue
        text = renderer.without_subtree(got[1]) if index else got[1]
        page = Page(
            PageKind(entry.kind), entry.module, rel, text, entry.source_hash, entry.title,
            entry.complete, entry.quality, entry.summary, entry.counts, entry.depends,
        )  # fmt: skip
        if entry.module in relink:
            page = linked(dataclasses.replace(page, text=unlink(text)), graph, renderer)
        site.rewrite(renderer.with_subtree(page, listed, graph) if index else page)


def _last_manifest(out_dir: str, console: Console) -> Manifest | None:
    """The last run's manifest, read once for the whole run; a damaged one starts afresh."""
    try:
        return read_manifest(out_dir)
    except SiteError as exc:
        console.warn(f"{exc}; starting a new one")
        return None


class _WriteAndRender:
    """In a parser worker: write one extracted module, then render its pages (picklable)."""

    def __init__(self, write: Callable[[ExtractResult], Written], render: RenderTask) -> None:
        self.write = write
        self.render = render

    def __call__(self, extracted: ExtractResult) -> Written:
        return self.render(self.write(extracted))


_NOTHING_TO_DOCUMENT = (EMPTY_FILE, ONLY_COMMENTS)  # information, not a problem


class _Tally:
    """What the report needs, gathered as modules come: outcomes, problems, modules listed.
    A file that gives no page is recorded with the site, so ``check`` and the next run know."""

    def __init__(self, console: Console, site: SiteWriter) -> None:
        self.console = console
        self.site = site
        self.outcomes: list[Outcome] = []
        self.problems: list[Problem] = []
        self.listed: list[Listed] = []
        self.hashes: dict[str, str] = {}  # module -> the source hash its pages were made from
        self.quality: list[ModuleQuality] = []

    def carried(self, manifest: Manifest | None, plan: Plan) -> None:
        """The problems of unchanged files, from the last run: still problems, not re-read."""
        for rel, entry in manifest.pages.items() if manifest else ():
            if entry.module in plan.carry and entry.quality is not None:
                self.quality.append(ModuleQuality(entry.module, rel, entry.quality))
        for module, entry in sorted(manifest.skipped.items()) if manifest else ():
            if module in plan.carry and not entry.quiet:
                self.problems.append(entry.problem)
                self.console.warn(f"{entry.problem} (unchanged since the last run)")

    def add(self, written: Written, pages: tuple[Page, ...]) -> None:
        problem = written.problem
        if problem is not None:
            quiet = problem.reason in _NOTHING_TO_DOCUMENT
            if quiet and not written.file.is_package:  # an empty __init__.py marks a package
                self.console.info(f"{problem}: skipped")
            elif not quiet:
                self.problems.append(problem)
                self.console.warn(problem)
            if written.source_hash:
                entry = SkippedEntry(
                    written.source_hash, problem.path, problem.line, problem.reason, quiet
                )
                self.site.skip(written.file.module, entry)
            return
        self.outcomes.extend(written.outcomes)
        by_kind = {page.kind: page for page in pages}
        self.hashes[written.file.module] = by_kind[PageKind.REFERENCE].source_hash
        reference, usage = by_kind[PageKind.REFERENCE], by_kind[PageKind.USAGE]
        if reference.quality is not None:
            self.quality.append(
                ModuleQuality(reference.module, reference.rel_path, reference.quality)
            )
        self.listed.append(
            Listed(
                reference.module,
                reference.title,
                reference.rel_path,
                usage.rel_path,
                reference.summary,
                *reference.counts,
            )
        )

    def figures(self) -> QualityReport | None:
        """The quality of every page of the site: this run's and the carried ones."""
        return total(self.quality) if self.quality else None

    def report(
        self,
        config: Config,
        found: Discovery,
        plan: Plan,
        started: float,
        *,
        interrupted: bool = False,
        site: SiteResult | None = None,
    ) -> RunReport:
        return RunReport(
            results=tuple(self.outcomes),
            problems=(*found.problems, *self.problems),
            files=len(found.files),
            modules=len(self.listed),
            modules_skipped=len(plan.carry),
            pages_written=site.written if site else tuple(self.site.written),
            pages_removed=site.removed if site else (),
            wall_seconds=time.perf_counter() - started,
            writer="offline" if config.offline else "model",
            interrupted=interrupted,
            strict=config.strict,
            quality=self.figures(),
            nav=site.nav if site else (),
        )
