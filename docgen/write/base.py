"""The writer interface: one unit plus its context in, one unit result out.

The offline writer and the chat-model writer both implement :class:`Writer`, so the pipeline and
the renderer never know which one produced a doc. A writer never raises for a unit: a failure is a
:class:`~docgen.model.Failed` value carrying the offline content to show instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from docgen.model import ModuleInfo, Unit, UnitResult


@dataclass(frozen=True, slots=True)
class UnitContext:
    """What a writer may know beyond the unit itself."""

    module: ModuleInfo
    lang: str = "ru"
    module_overview: str = ""  # the module's own overview, once written
    callees: tuple[str, ...] = ()  # signatures of the project functions this unit calls
    callers: tuple[str, ...] = ()  # qualified names of the project units calling it


class Writer(Protocol):
    """Anything that documents units."""

    name: str

    async def write(self, unit: Unit, context: UnitContext) -> UnitResult:
        """Document one unit. Never raises for a unit-level problem."""
        ...
