"""Writing many units with the chat model: the cache first, then concurrent requests.

:class:`ModelWriter` is the write stage when an endpoint is configured. It needs every module
before it asks (the requests of all modules share one concurrency bound, and the prompts hold the
project graph), so it collects what extraction gives, then writes; each module is given back the
moment its last unit is answered, so its pages are rendered while the other requests are out. Every
unit whose cache key (its own source, its context, the prompt version, the model and the language)
is stored costs nothing, and so does a unit whose answers were unusable last time under the same
key (a recorded fallback; ``--retry-fallbacks`` asks it again); a transport failure is never
recorded, so the next run asks again. The rest go to :class:`~docgen.write.chat.writer.ChatWriter`
concurrently; each valid answer is stored the moment it arrives, so an interrupted run keeps every
unit finished before the interruption and the next run asks only for the rest. A unit that fails
for good shows its last good doc from the cache, else the offline writer's content.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import signal
import threading
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from docgen.config import Config
from docgen.extract.graph import ProjectGraph
from docgen.model import (
    Doc,
    DocSource,
    Documented,
    ExtractResult,
    Failed,
    ModuleSymbols,
    Outcome,
    Unit,
    UnitContext,
    UnitResult,
    Usage,
    Written,
)
from docgen.store.cache import Cache
from docgen.ui.progress import Progress
from docgen.write.chat.budget import Budget
from docgen.write.chat.version import prompt_version
from docgen.write.context import callee_first, contexts, doc_key, project_graph
from docgen.write.offline import OfflineWriter

if TYPE_CHECKING:
    from docgen.write.chat.writer import ChatWriter

__all__ = ["ModelWriter"]


def _chat_writer() -> type[ChatWriter]:
    from docgen.write.chat.writer import ChatWriter  # the openai package: a second or more

    return ChatWriter


def _load_quietly() -> None:
    with contextlib.suppress(BaseException):  # raised again by the import that needs it
        _chat_writer()


class ModelWriter:
    """The write stage with a chat model (see the module doc)."""

    name = "model"
    in_worker = None  # answers for all modules are asked together, in this process

    def __init__(
        self,
        config: Config,
        *,
        cache: Cache,
        progress: Progress,
        known: Mapping[str, ModuleSymbols] | None = None,
    ) -> None:
        """``known``: the graph records of the project's modules this run does not redo."""
        self.config = config
        self.cache = cache
        self.progress = progress
        self.known = dict(known or {})
        self.graph: ProjectGraph | None = None
        self.offline = OfflineWriter(lang=config.lang, templates=config.templates)
        self._loading: threading.Thread | None = None

    def prepare(self) -> None:
        """Start loading the openai package (a second or more) in a thread, while the parser
        workers run: the pipeline reads their results meanwhile, so none of them waits on a
        full pipe until the import is over (0.1-0.2 s of the first request's delay on a 20-module
        project, bench/bench_chat.py --process). A failed import is raised again where it is
        needed, in this thread."""
        if self._loading is None:
            loading = threading.Thread(target=_load_quietly, name="docgen-openai", daemon=True)
            loading.start()
            self._loading = loading

    def _loaded(self) -> None:
        if self._loading is not None:
            self._loading.join()

    def write(self, extracted: Iterable[ExtractResult | Written]) -> Iterator[Written]:
        """Each module's pages-to-be as soon as its last unit is answered (or found cached), so
        the pipeline renders it while the other requests are still on the wire."""
        parsed: list[ExtractResult] = []
        for item in extracted:
            if item.module is None:
                yield Written(item.file, problem=item.problem, source_hash=item.source_hash)
            else:
                parsed.append(item)  # type: ignore[arg-type]
        lang = self.config.lang
        graph = self.graph = project_graph([item.module for item in parsed], self.known)  # type: ignore[misc]
        per_module = [list(contexts(item.module, lang=lang, graph=graph)) for item in parsed]  # type: ignore[arg-type]
        waiting = [{unit.uid for unit, _ in pairs} for pairs in per_module]
        modules_of: dict[str, list[int]] = {}
        for index, uids in enumerate(waiting):
            for uid in uids:
                modules_of.setdefault(uid, []).append(index)
        written: dict[str, tuple[UnitResult, Doc | None]] = {}

        def finished(index: int) -> Written:
            mine = [written[unit.uid] for unit, _ in per_module[index]]
            docs = {result.uid: doc for result, doc in mine if doc is not None}
            outcomes = tuple(Outcome.of(result) for result, _ in mine)
            return Written(parsed[index].file, parsed[index].module, docs, outcomes)

        left = [index for index, uids in enumerate(waiting) if not uids]
        yield from (finished(index) for index in left)  # modules without units
        for uid, done in self.answers([pair for pairs in per_module for pair in pairs]):
            written[uid] = done
            for index in modules_of.get(uid, ()):
                uids = waiting[index]
                if uid in uids:
                    uids.discard(uid)
                    if not uids:
                        yield finished(index)
        self._loaded()  # no thread left behind for what forks next (the linking)

    def answers(
        self, units: Sequence[tuple[Unit, UnitContext]]
    ) -> Iterator[tuple[str, tuple[UnitResult, Doc | None]]]:
        """Each unit's result and the doc to show for it, by uid, as they become known: the
        requests start first, then the cached units follow, then every answer as it arrives.
        The event loop runs only while the caller waits for the next item. Ctrl-C (or SIGTERM)
        raises KeyboardInterrupt after the units already answered are stored."""
        config, cache = self.config, self.cache
        model = config.model_id
        version = prompt_version(config.templates)
        keys = [doc_key(u, c, prompt_version=version, model=model) for u, c in units]
        found = {} if config.force else cache.get_docs(keys)
        recorded = {} if config.force or config.retry_fallbacks else cache.get_fallbacks(keys)
        known: list[tuple[str, tuple[UnitResult, Doc | None]]] = []
        pending: list[tuple[Unit, UnitContext, str]] = []
        for (unit, context), key in zip(units, keys, strict=True):
            hit = found.get(key)
            if hit is not None:
                result = Documented(unit.uid, hit[0], DocSource.CACHED, Usage())
                known.append((unit.uid, (result, hit[0])))
            elif key in recorded:
                # the model's answers for exactly this unit, context, prompt and model were not
                # usable: show the offline content again without paying for another try
                doc = self.offline.document(unit, context)
                reason = f"recorded fallback ({recorded[key]}); --retry-fallbacks asks again"
                result = Documented(unit.uid, doc, DocSource.FALLBACK, reason=reason)
                known.append((unit.uid, (result, doc)))
            else:
                pending.append((unit, context, key))
        self.progress.begin(len(units), cached=len(units) - len(pending))
        purposes = {uid: getattr(doc, "purpose", "") for uid, (_, doc) in known if doc}
        if not pending:
            self.progress.end()
            yield from known
            return

        async def asking(queue: asyncio.Queue) -> None:
            try:
                await self._asking(pending, purposes, queue, known)
            finally:
                self.progress.end()

        self._loaded()
        yield from _drive(asking)

    async def _asking(
        self,
        pending: list[tuple[Unit, UnitContext, str]],
        purposes: dict[str, str],
        queue: asyncio.Queue,
        known: Sequence[tuple[str, tuple[UnitResult, Doc | None]]],
    ) -> None:
        """Ask for every unit of ``pending``; ``known`` and each answer go to ``queue``."""
        config = self.config
        budget = None
        if config.max_cost is not None or config.max_run_tokens is not None:
            budget = Budget(
                max_tokens=config.max_run_tokens,
                max_cost=config.max_cost,
                price_in=config.price_in,
                price_out=config.price_out,
            )
        writer = _chat_writer()(
            endpoints=config.endpoints,
            lang=config.lang,
            concurrency=config.concurrency,
            timeout=config.timeout,
            max_attempts=config.max_attempts,
            dead_after=config.dead_after,
            budget=budget,
            fallback=self.offline.document,
            progress=self.progress,
            templates=config.templates,
        )

        graph = self.graph
        callees = (lambda uid: [t.uid for t in graph.callees(uid)]) if graph else (lambda _: ())
        waits = callee_first([u.uid for u, _, _ in pending], callees)
        done = {u.uid: asyncio.Event() for u, _, _ in pending}

        async def one(unit: Unit, context: UnitContext, key: str) -> None:
            try:
                queue.put_nowait(await answer(unit, context, key))
            finally:
                done[unit.uid].set()  # callers waiting on this unit go on, whatever happened

        async def answer(unit: Unit, context: UnitContext, key: str):
            for uid in waits.get(unit.uid, ()):  # callee-first: their purposes are known then
                await done[uid].wait()
            notes = tuple(
                f"{uid.replace(':', '.')}: {purposes[uid]}"
                for uid in callees(unit.uid)
                if purposes.get(uid)
            )
            if notes:
                context = dataclasses.replace(context, written_callees=notes)
            result = await writer.write(unit, context)
            if isinstance(result, Documented) and result.source is DocSource.MODEL:
                purposes[result.uid] = getattr(result.doc, "purpose", "")
            shown: Doc | None = None
            if isinstance(result, Documented):
                shown = result.doc
                if result.source is DocSource.MODEL:
                    self.cache.put_doc(
                        key, result.uid, result.doc, result.usage, model=self.config.model_id
                    )
                elif result.source is DocSource.FALLBACK:  # unusable answers, not a dead server
                    self.cache.put_doc(
                        key, result.uid, result.doc, result.usage, fallback=result.reason
                    )
            elif isinstance(result, Failed):
                previous = self.cache.last_good_doc(result.uid)
                shown = previous if previous is not None else result.doc
            return result.uid, (result, shown)

        async with writer:
            asked = asyncio.gather(*(one(*job) for job in pending))
            for item in known:  # the caller renders these while the first requests are out
                queue.put_nowait(item)
            await asked


_END = object()


def _drive(
    start: Callable[[asyncio.Queue], Awaitable[None]],
) -> Iterator[tuple[str, tuple[UnitResult, Doc | None]]]:
    """Run ``start(queue)`` on an event loop and yield what it puts in the queue. The loop runs
    only while this waits for the next item, so the caller's work between items (rendering a
    finished module) pauses the requests without threads. SIGTERM cancels the work like Ctrl-C
    (what was stored stays) and raises KeyboardInterrupt."""
    terminated = False
    with asyncio.Runner() as runner:
        loop = runner.get_loop()
        queue: asyncio.Queue = asyncio.Queue()

        async def main() -> None:
            try:
                await start(queue)
            finally:
                queue.put_nowait(_END)

        task = loop.create_task(main())

        def on_sigterm() -> None:
            nonlocal terminated
            terminated = True
            task.cancel()

        previous = signal.getsignal(signal.SIGTERM)
        try:
            loop.add_signal_handler(signal.SIGTERM, on_sigterm)
        except (NotImplementedError, RuntimeError, ValueError):  # no signals here: not main thread
            previous = None
        try:
            ended = False
            while not ended:
                items: list = []
                runner.run(_ready(queue, items))
                for item in items:
                    if item is _END:
                        ended = True
                        break
                    yield item
            runner.run(_outcome(task))  # the work's own exception, if it raised one
        except asyncio.CancelledError:
            if terminated:
                raise KeyboardInterrupt from None
            raise
        finally:
            if previous is not None:
                loop.remove_signal_handler(signal.SIGTERM)
                signal.signal(signal.SIGTERM, previous)


async def _ready(queue: asyncio.Queue, items: list) -> None:
    """The next item and every other already waiting, into ``items``: one ``Runner.run`` (a
    task, the SIGINT handler set and restored) for all of them rather than one each. Not the
    task's result: restoring the handler makes Python 3.11 format the task's repr, results
    and all (the answers' dataclasses): about 1.5 % of a model run's CPU."""
    items.append(await queue.get())
    while not queue.empty():
        items.append(queue.get_nowait())


async def _outcome(task: asyncio.Task) -> None:
    await task
