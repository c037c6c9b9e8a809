"""Writing many units with the chat model: the cache first, then concurrent requests.

:class:`ModelWriter` is the write stage when an endpoint is configured. It needs every module
before it asks (the requests of all modules share one concurrency bound), so it collects what
extraction gives, then writes. Every unit whose cache key (its own source, its context, the prompt
version, the model and the language) is stored costs nothing, and so does a unit whose answers
were unusable last time under the same key (a recorded fallback; ``--retry-fallbacks`` asks it
again); a transport failure is never recorded, so the next run asks again. The rest go to
:class:`~docgen.write.chat.writer.ChatWriter` concurrently; each valid answer is stored the moment
it arrives, so an interrupted run keeps every unit finished before the interruption and the next
run asks only for the rest. A unit that fails for good shows its last good doc from the cache,
else the offline writer's content.
"""

from __future__ import annotations

import asyncio
import dataclasses
import signal
from collections.abc import Iterable, Iterator, Mapping, Sequence

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
from docgen.write.chat.writer import ChatWriter
from docgen.write.context import callee_first, contexts, doc_key, project_graph
from docgen.write.offline import OfflineWriter

__all__ = ["ModelWriter"]


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

    def write(self, extracted: Iterable[ExtractResult | Written]) -> Iterator[Written]:
        parsed: list[ExtractResult] = []
        for item in extracted:
            if item.module is None:
                yield Written(item.file, problem=item.problem, source_hash=item.source_hash)
            else:
                parsed.append(item)  # type: ignore[arg-type]
        lang = self.config.lang
        graph = self.graph = project_graph([item.module for item in parsed], self.known)  # type: ignore[misc]
        per_module = [list(contexts(item.module, lang=lang, graph=graph)) for item in parsed]  # type: ignore[arg-type]
        written = self.write_units([pair for pairs in per_module for pair in pairs])
        for item, pairs in zip(parsed, per_module, strict=True):
            mine = [written[unit.uid] for unit, _ in pairs if unit.uid in written]
            docs = {result.uid: doc for result, doc in mine if doc is not None}
            outcomes = tuple(Outcome.of(result) for result, _ in mine)
            yield Written(item.file, item.module, docs, outcomes)

    def write_units(
        self, units: Sequence[tuple[Unit, UnitContext]]
    ) -> dict[str, tuple[UnitResult, Doc | None]]:
        """Each unit's result and the doc to show for it, by uid. Ctrl-C (or SIGTERM) raises
        KeyboardInterrupt after the units already answered are stored."""
        config, cache = self.config, self.cache
        model = config.model_id
        version = prompt_version(config.templates)
        keys = [doc_key(u, c, prompt_version=version, model=model) for u, c in units]
        found = {} if config.force else cache.get_docs(keys)
        recorded = {} if config.force or config.retry_fallbacks else cache.get_fallbacks(keys)
        out: dict[str, tuple[UnitResult, Doc | None]] = {}
        pending: list[tuple[Unit, UnitContext, str]] = []
        for (unit, context), key in zip(units, keys, strict=True):
            hit = found.get(key)
            if hit is not None:
                out[unit.uid] = (Documented(unit.uid, hit[0], DocSource.CACHED, Usage()), hit[0])
            elif key in recorded:
                # the model's answers for exactly this unit, context, prompt and model were not
                # usable: show the offline content again without paying for another try
                doc = self.offline.document(unit, context)
                reason = f"recorded fallback ({recorded[key]}); --retry-fallbacks asks again"
                out[unit.uid] = (Documented(unit.uid, doc, DocSource.FALLBACK, reason=reason), doc)
            else:
                pending.append((unit, context, key))
        self.progress.begin(len(units), cached=len(units) - len(pending))
        purposes = {uid: getattr(doc, "purpose", "") for uid, (_, doc) in out.items() if doc}
        try:
            if pending:
                for uid, done in _run(self._asking(pending, purposes)):
                    out[uid] = done
        finally:
            self.progress.end()
        return out

    async def _asking(
        self, pending: list[tuple[Unit, UnitContext, str]], purposes: dict[str, str]
    ) -> list[tuple[str, tuple[UnitResult, Doc | None]]]:
        config = self.config
        budget = None
        if config.max_cost is not None or config.max_run_tokens is not None:
            budget = Budget(
                max_tokens=config.max_run_tokens,
                max_cost=config.max_cost,
                price_in=config.price_in,
                price_out=config.price_out,
            )
        writer = ChatWriter(
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

        async def one(unit: Unit, context: UnitContext, key: str):
            try:
                return await answer(unit, context, key)
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
            return list(await asyncio.gather(*(one(*job) for job in pending)))


def _run(coroutine):
    """Run ``coroutine`` to its end; SIGTERM cancels it like Ctrl-C (what was stored stays) and
    raises KeyboardInterrupt."""
    terminated = False

    async def main():
        nonlocal terminated
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()

        def on_sigterm() -> None:
            nonlocal terminated
            terminated = True
            if task is not None:
                task.cancel()

        previous = signal.getsignal(signal.SIGTERM)
        try:
            loop.add_signal_handler(signal.SIGTERM, on_sigterm)
        except (NotImplementedError, RuntimeError, ValueError):  # no signals here: not main thread
            previous = None
        try:
            return await coroutine
        finally:
            if previous is not None:
                loop.remove_signal_handler(signal.SIGTERM)
                signal.signal(signal.SIGTERM, previous)

    try:
        return asyncio.run(main())
    except asyncio.CancelledError:
        if terminated:
            raise KeyboardInterrupt from None
        raise
