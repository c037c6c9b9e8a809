"""The write stage: each unit plus its context (:mod:`~docgen.write.context`) in, doc content
out, by the offline writer (:mod:`~docgen.write.offline`) or a chat model
(:mod:`~docgen.write.chat`), both behind :class:`~docgen.write.base.Writer`."""

from __future__ import annotations

from collections.abc import Mapping

from docgen.config import Config
from docgen.model import ModuleSymbols
from docgen.store.cache import Cache
from docgen.ui.progress import Progress
from docgen.write.base import Writer

__all__ = ["Writer", "make_writer", "writer_id"]


def make_writer(
    config: Config,
    *,
    cache: Cache,
    progress: Progress,
    known: Mapping[str, ModuleSymbols] | None = None,
) -> Writer:
    """The offline writer when no endpoint is configured, else the chat-model writer
    (``known``: the graph records of the modules this run carries, for the prompts)."""
    if config.offline:
        from docgen.write.offline import OfflineWriter

        return OfflineWriter(lang=config.lang, templates=config.templates)
    from docgen.write.chat.run import ModelWriter  # loads openai only when a model is used

    return ModelWriter(config, cache=cache, progress=progress, known=known)


def writer_id(config: Config) -> str:
    """What identifies the writer's output: "offline", or the models and prompt version."""
    if config.offline:
        return "offline"
    from docgen.write.chat.version import prompt_version

    return f"model:{config.model_id}:{prompt_version(config.templates)}"
