"""The writer interface: extracted modules in, written modules out.

The offline writer and the chat-model writer both implement :class:`Writer`, so the pipeline
and the renderer never know which one produced a doc. A writer never raises for a unit: a
failure is a :class:`~docgen.model.Failed` value, shown with the offline writer's content.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Protocol

from docgen.model import ExtractResult, Written


class Writer(Protocol):
    """Anything that documents modules.

    ``in_worker``, when not None, is a picklable task that documents one extracted module where
    it was parsed (a parser worker); the pipeline has the page rendered there too, so pages
    stream to disk. :meth:`write` then receives what it made and passes it on.
    """

    name: str
    in_worker: Callable[[ExtractResult], Written] | None

    def prepare(self) -> None:
        """Load what writing will need; called while the parser workers run, and only when
        there is something to parse."""
        ...

    def write(self, extracted: Iterable[ExtractResult | Written]) -> Iterator[Written]:
        """One :class:`Written` per file, as soon as it is known; never raises for a unit."""
        ...
