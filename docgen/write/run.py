"""Writing many units with the chat model: the cache first, then concurrent requests.

Every unit whose cache key (its own source, its context, the prompt version, the model and the
language) is stored costs nothing. The rest go to :class:`~docgen.write.chat.ChatWriter`
concurrently; each valid answer is stored the moment it arrives, so an interrupted run keeps every
unit finished before the interruption and the next run asks only for the rest. A unit that fails
for good shows its last good doc from the cache, else the offline writer's content.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Sequence

from docgen.cache import Cache
from docgen.config import Config
from docgen.model import Doc, DocSource, Documented, Failed, Unit, UnitResult, Usage
from docgen.progress import Progress
from docgen.write.base import UnitContext
from docgen.write.chat import ChatWriter
from docgen.write.prompts import prompt_version


def model_id(config: Config) -> str:
    """The models a cached answer may come from (the endpoints, in order)."""
    return ",".join(endpoint.model for endpoint in config.endpoints)


def write_with_model(
    units: Sequence[tuple[Unit, UnitContext]],
    *,
    config: Config,
    cache: Cache,
    fallback: Callable[[Unit, UnitContext], Doc],
    progress: Progress,
    docs: dict[str, Doc],
    results: list[UnitResult],
) -> None:
    """Fill ``docs`` (by uid) and ``results`` for ``units``. Ctrl-C raises KeyboardInterrupt
    after the units already answered are stored."""
    model = model_id(config)
    version = prompt_version(config.templates)
    keys = [
        cache.doc_key_for(unit, context, version, model, config.lang) for unit, context in units
    ]
    found = {} if config.force else cache.get_docs(keys)
    pending: list[tuple[Unit, UnitContext, str]] = []
    for (unit, context), key in zip(units, keys, strict=True):
        hit = found.get(key)
        if hit is None:
            pending.append((unit, context, key))
            continue
        docs[unit.uid] = hit[0]
        results.append(Documented(unit.uid, hit[0], DocSource.CACHED, Usage()))
    progress.begin(len(units), cached=len(units) - len(pending))
    if not pending:
        progress.end()
        return

    writer = ChatWriter(
        endpoints=config.endpoints,
        lang=config.lang,
        concurrency=config.concurrency,
        timeout=config.timeout,
        max_attempts=config.max_attempts,
        fallback=fallback,
        progress=progress,
        templates=config.templates,
    )

    async def one(unit: Unit, context: UnitContext, key: str) -> None:
        result = await writer.write(unit, context)
        if isinstance(result, Documented):
            docs[result.uid] = result.doc
            if result.source is DocSource.MODEL:
                cache.put_doc(key, result.uid, result.doc, result.usage)
        elif isinstance(result, Failed):
            previous = cache.last_good_doc(result.uid)
            shown = previous if previous is not None else result.doc
            if shown is not None:
                docs[result.uid] = shown
        results.append(result)

    terminated = False

    async def write_all() -> None:
        nonlocal terminated
        loop = asyncio.get_running_loop()
        main = asyncio.current_task()

        def on_sigterm() -> None:  # like Ctrl-C: cancel the requests, keep what was stored
            nonlocal terminated
            terminated = True
            if main is not None:
                main.cancel()

        previous = signal.getsignal(signal.SIGTERM)
        try:
            loop.add_signal_handler(signal.SIGTERM, on_sigterm)
        except (NotImplementedError, RuntimeError, ValueError):  # no signals here: not main thread
            previous = None
        try:
            async with writer:
                await asyncio.gather(*(one(*job) for job in pending))
        finally:
            if previous is not None:
                loop.remove_signal_handler(signal.SIGTERM)
                signal.signal(signal.SIGTERM, previous)

    try:
        asyncio.run(write_all())
    except asyncio.CancelledError:
        if terminated:
            raise KeyboardInterrupt from None
        raise
    finally:
        progress.end()
