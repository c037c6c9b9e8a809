"""Records of the write stage: what a writer is told (``UnitContext``), the content of a doc
(``FunctionDoc``, ``ClassDoc``, ``ModuleDoc``; templates own all structure), and each unit's
result (``Documented``, ``Failed``, ``Skipped``, kept in the report as an ``Outcome``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from docgen.model.code import ModuleInfo

__all__ = [
    "ClassDoc",
    "Doc",
    "DocSource",
    "Documented",
    "Example",
    "Failed",
    "FunctionDoc",
    "ModuleDoc",
    "Outcome",
    "ParamDoc",
    "RaiseDoc",
    "Skipped",
    "UnitContext",
    "UnitResult",
    "Usage",
]


@dataclass(frozen=True, slots=True)
class UnitContext:
    """What a writer may know beyond the unit itself (built by ``docgen.write.context``)."""

    module: ModuleInfo
    lang: str = "ru"
    module_overview: str = ""  # the module's own docstring
    # the project functions, methods and classes this unit calls, from any module: signature,
    # then " — " and the first sentence of the docstring when there is one
    callees: tuple[str, ...] = ()
    callers: tuple[str, ...] = ()  # the project units calling it: "pkg.mod.f: the call's line"
    imports: tuple[str, ...] = ()  # the module's import statements
    owner: str = ""  # a method's class: header, docstring sentence, attributes __init__ sets
    related: tuple[str, ...] = ()  # a module: "imports pkg.a", "imported by pkg.b"
    # one-sentence purposes the model wrote earlier in this run for the callees (callee-first
    # order). Advisory and not part of the cache key: a callee's rewording must not re-document
    # its callers (see the README, "What a change costs")
    written_callees: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ParamDoc:
    name: str
    description: str


@dataclass(frozen=True, slots=True)
class RaiseDoc:
    exception: str
    description: str


@dataclass(frozen=True, slots=True)
class Example:
    code: str  # Python source, or a shell command line when ``lang`` is "bash"
    description: str = ""
    lang: str = "python"  # the fence's language: "python", or "bash" for a command to run


@dataclass(frozen=True, slots=True)
class FunctionDoc:
    purpose: str  # Назначение: one or two sentences
    params: tuple[ParamDoc, ...]  # one per documented parameter (self/cls excluded)
    returns: str  # Возвращает: "" when the function returns nothing
    raises: tuple[RaiseDoc, ...]
    steps: tuple[str, ...]  # Как работает функция: numbered steps
    examples: tuple[Example, ...]
    summary: str = ""  # first docstring line for the signature block; defaults to purpose


@dataclass(frozen=True, slots=True)
class ClassDoc:
    purpose: str
    details: str
    attributes: tuple[ParamDoc, ...]
    examples: tuple[Example, ...]


@dataclass(frozen=True, slots=True)
class ModuleDoc:
    title: str  # "Модуль для ..." page title text (without "Модуль" when templates add it)
    overview: str  # Обзор
    details: str  # Подробней
    steps: tuple[str, ...]  # Шаги выполнения (usage note)
    usage_example: Example | None  # Пример использования (usage note)
    entry_point: str = ""  # Точка входа description, "" when there is no __main__ block
    # the public entries' examples (qualname, example), first = usage_example: the one most
    # used from other modules replaces it once the project graph is known
    entries: tuple[tuple[str, Example], ...] = ()


Doc = ModuleDoc | ClassDoc | FunctionDoc


class DocSource(StrEnum):
    OFFLINE = "offline"  # the built-in writer, by choice
    MODEL = "model"  # the chat model's answer, validated
    CACHED = "cached"  # from the cache
    FALLBACK = "fallback"  # offline content because the model failed or was rejected


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    requests: int = 0
    retries: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.requests + other.requests,
            self.retries + other.retries,
        )


@dataclass(frozen=True, slots=True)
class Documented:
    uid: str
    doc: Doc
    source: DocSource
    usage: Usage = field(default_factory=Usage)
    reason: str = ""  # FALLBACK: why the model's answer was not used; MODEL: what was removed
    removed: int = 0  # sentences, steps, examples of the model's answer removed by the judge


@dataclass(frozen=True, slots=True)
class Failed:
    """A unit the writer could not document. ``doc`` is the offline content shown instead."""

    uid: str
    reason: str
    doc: Doc | None = None
    usage: Usage = field(default_factory=Usage)
    status: str = "failed"  # or "budget": not asked, the run's spending cap was reached


@dataclass(frozen=True, slots=True)
class Skipped:
    uid: str
    reason: str


UnitResult = Documented | Failed | Skipped


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the run report keeps of one unit's result (not its doc: a big run holds many).
    ``status`` is one of documented, cached, offline, fallback, failed, budget, skipped."""

    uid: str
    status: str
    reason: str = ""
    usage: Usage = field(default_factory=Usage)
    removed: int = 0

    @classmethod
    def of(cls, result: UnitResult) -> Outcome:
        if isinstance(result, Failed):
            return cls(result.uid, result.status, result.reason, result.usage)
        if isinstance(result, Skipped):
            return cls(result.uid, "skipped", result.reason)
        status = "documented" if result.source is DocSource.MODEL else result.source.value
        return cls(result.uid, status, result.reason, result.usage, result.removed)

    @property
    def settled(self) -> bool:
        """True when a rerun has nothing to gain for this unit."""
        return self.status in ("documented", "cached", "offline")
