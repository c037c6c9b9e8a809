"""The records that flow between docgen's stages.

Every stage takes and returns the frozen, slotted dataclasses defined here, never a libcst node
or an openai object, so each stage can be tested, cached, pickled across processes and replaced
on its own:

    discover  -> SourceFile
    extract   -> ModuleInfo (holding ClassInfo / FunctionInfo / MainBlock, with Flow trees)
    write     -> ModuleDoc / ClassDoc / FunctionDoc, wrapped in a UnitResult
    render    -> Page
    site      -> files on disk

A *unit* is one thing a writer documents: a module, a class or a function/method. Each unit has a
stable ``uid`` (``"pkg.mod"``, ``"pkg.mod:Class.method"``) that the cache, the report and the
coming call graph all key on.

Facts derived from a record (which parameter Python binds, whether a function gives a value back)
are properties here, so every stage reads the same rule. :func:`dump_records` is the one pickler
of these records (process pool results and cached parses).
"""

from __future__ import annotations

import dataclasses
import io
import pickle
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class ParamKind(StrEnum):
    """How a parameter binds, as in ``inspect.Parameter``."""

    POSITIONAL_ONLY = "positional_only"
    POSITIONAL_OR_KEYWORD = "positional_or_keyword"
    VAR_POSITIONAL = "var_positional"
    KEYWORD_ONLY = "keyword_only"
    VAR_KEYWORD = "var_keyword"


class UnitKind(StrEnum):
    MODULE = "module"
    CLASS = "class"
    FUNCTION = "function"
    METHOD = "method"


class FlowKind(StrEnum):
    """The kinds of node in a function's control-flow tree."""

    STATEMENT = "statement"  # assignment, expression, call, pass, ...
    IF = "if"  # branches: one per if / elif / else
    FOR = "for"  # branches: the body, then "else" when present
    WHILE = "while"
    TRY = "try"  # branches: try, each except, else, finally
    WITH = "with"
    MATCH = "match"  # branches: one per case
    RETURN = "return"
    RAISE = "raise"
    YIELD = "yield"
    BREAK = "break"
    CONTINUE = "continue"
    ASSERT = "assert"
    DEF = "def"  # a nested function or class definition


# --------------------------------------------------------------------------------------------
# discover


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One Python file found by discovery."""

    path: str  # as given / found, usable with open()
    rel_path: str  # POSIX path relative to its root, used in messages and page paths
    module: str  # dotted module name derived from the package structure ("pkg.sub.mod")
    is_package: bool = False  # an __init__.py


# --------------------------------------------------------------------------------------------
# extract


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    kind: ParamKind
    annotation: str | None = None  # source text of the annotation
    default: str | None = None  # source text of the default value


@dataclass(frozen=True, slots=True)
class Raise:
    """A ``raise`` statement found in a function body (not in nested defs)."""

    exception: str | None  # "ValueError", "errors.BadInput"; None for a bare re-raise
    message: str | None  # the literal message when the argument is a plain string
    line: int


@dataclass(frozen=True, slots=True)
class Call:
    """A call made in a body: the callee as written (``openai.ChatCompletion.create``)."""

    name: str
    line: int


@dataclass(frozen=True, slots=True)
class Import:
    """One imported name: ``from a.b import c as d`` gives module="a.b", name="c", alias="d"."""

    module: str | None  # None for ``import x``
    name: str
    alias: str | None
    line: int
    level: int = 0  # relative import dots

    @property
    def bound(self) -> str:
        """The name this import binds in the module namespace."""
        if self.alias:
            return self.alias
        if self.module is None:
            return self.name.split(".")[0]
        return self.name


@dataclass(frozen=True, slots=True)
class FlowBranch:
    """One branch of a compound node: its label (source text of the test, the except clause,
    the case pattern, or "" / "else" / "finally") and the nodes inside it."""

    label: str
    body: tuple[FlowNode, ...]
    role: str = ""  # "if", "elif", "else", "body", "except", "finally", "case"


@dataclass(frozen=True, slots=True)
class FlowNode:
    """One step of control flow. ``label`` is short source text (a condition, a call, a target)."""

    kind: FlowKind
    label: str
    line: int
    branches: tuple[FlowBranch, ...] = ()
    calls: tuple[str, ...] = ()  # callees named in this node's own header/statement


@dataclass(frozen=True, slots=True)
class Attribute:
    """A class or module level name binding: ``x: int = 3``."""

    name: str
    annotation: str | None
    value: str | None
    line: int
    docstring: str | None = None


@dataclass(frozen=True, slots=True)
class FunctionInfo:
    module: str
    qualname: str  # "Class.method"; nested defs inside functions stay in the flow
    name: str
    kind: UnitKind  # FUNCTION or METHOD
    line_start: int  # the ``def`` line (decorators excluded)
    line_end: int
    source: str  # exact text from the file, decorators included
    is_async: bool
    decorators: tuple[str, ...]
    params: tuple[Parameter, ...]
    returns: str | None  # return annotation
    docstring: str | None
    raises: tuple[Raise, ...]
    return_values: tuple[str, ...]  # source text of each ``return <expr>``
    yields: bool
    calls: tuple[Call, ...]
    flow: tuple[FlowNode, ...]
    is_overload: bool = False
    property_role: str | None = None  # "getter", "setter", "deleter"
    variant: int = 0  # distinguishes overloads / property accessors sharing a qualname
    type_params: str | None = None  # PEP 695 "[T, *Ts]" as written

    @property
    def uid(self) -> str:
        suffix = f"#{self.variant}" if self.variant else ""
        return f"{self.module}:{self.qualname}{suffix}"

    @property
    def bound_param(self) -> str | None:
        """The name of a method's first parameter, which Python binds (``self``/``cls``, whatever
        it is called); None for functions and static methods."""
        if self.kind != UnitKind.METHOD or "staticmethod" in self.decorators or not self.params:
            return None
        first = self.params[0]
        if first.kind in (ParamKind.POSITIONAL_ONLY, ParamKind.POSITIONAL_OR_KEYWORD):
            return first.name
        return None

    @property
    def call_params(self) -> tuple[Parameter, ...]:
        """The parameters a caller passes: all but a method's bound first one."""
        return self.params[1:] if self.bound_param is not None else self.params

    @property
    def returns_value(self) -> bool:
        """Whether the function gives a value back: it yields, its return annotation is not
        None (nor NoReturn/Never), or without one, it returns something other than None."""
        if self.yields:
            return True
        if self.returns is not None:
            return self.returns.strip() not in ("None", "NoReturn", "Never", "typing.NoReturn")
        return any(v.strip() not in ("", "None") for v in self.return_values)


@dataclass(frozen=True, slots=True)
class ClassInfo:
    module: str
    qualname: str
    name: str
    line_start: int
    line_end: int
    source: str
    bases: tuple[str, ...]  # source text, keywords included ("metaclass=ABCMeta")
    decorators: tuple[str, ...]
    docstring: str | None
    attributes: tuple[Attribute, ...]
    methods: tuple[FunctionInfo, ...]
    classes: tuple[ClassInfo, ...]  # nested classes
    type_params: str | None = None

    kind = UnitKind.CLASS

    @property
    def uid(self) -> str:
        return f"{self.module}:{self.qualname}"


@dataclass(frozen=True, slots=True)
class MainBlock:
    """The ``if __name__ == "__main__":`` block of a module."""

    line_start: int
    line_end: int
    source: str
    calls: tuple[Call, ...]
    flow: tuple[FlowNode, ...]


@dataclass(frozen=True, slots=True)
class ModuleInfo:
    name: str  # dotted
    path: str  # rel_path of the SourceFile
    source_hash: str  # sha256 of the raw bytes
    source: str  # decoded text
    docstring: str | None
    imports: tuple[Import, ...]
    attributes: tuple[Attribute, ...]  # module-level name bindings
    statements: tuple[FlowNode, ...]  # module-level code other than defs/imports/docstring/main
    main_block: MainBlock | None
    classes: tuple[ClassInfo, ...]
    functions: tuple[FunctionInfo, ...]
    line_count: int
    is_package: bool = False
    calls: tuple[Call, ...] = ()  # calls made by module-level statements

    kind = UnitKind.MODULE

    @property
    def uid(self) -> str:
        return self.name

    @property
    def is_script(self) -> bool:
        """Only module-level code: no classes and no functions (the seed 003 shape)."""
        return not self.classes and not self.functions

    def all_functions(self) -> tuple[FunctionInfo, ...]:
        """Top-level functions, then every method of every (nested) class, in source order."""
        out: list[FunctionInfo] = list(self.functions)

        def visit(cls: ClassInfo) -> None:
            out.extend(cls.methods)
            for inner in cls.classes:
                visit(inner)

        for cls in self.classes:
            visit(cls)
        return tuple(out)

    def all_classes(self) -> tuple[ClassInfo, ...]:
        out: list[ClassInfo] = []

        def visit(cls: ClassInfo) -> None:
            out.append(cls)
            for inner in cls.classes:
                visit(inner)

        for cls in self.classes:
            visit(cls)
        return tuple(out)


Unit = ModuleInfo | ClassInfo | FunctionInfo


@dataclass(frozen=True, slots=True)
class Problem:
    """A recoverable problem with one input: printed as ``path:line: reason``."""

    path: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.reason}"


@dataclass(frozen=True, slots=True)
class ExtractResult:
    """What extracting one file gave: a module, or the problem that stopped it."""

    file: SourceFile
    module: ModuleInfo | None
    problem: Problem | None = None


# --------------------------------------------------------------------------------------------
# write: what a writer is told, and the content of a doc. Writers fill these; templates own all
# structure.


@dataclass(frozen=True, slots=True)
class UnitContext:
    """What a writer may know beyond the unit itself (built by ``docgen.write.context``)."""

    module: ModuleInfo
    lang: str = "ru"
    module_overview: str = ""  # the module's own docstring
    callees: tuple[str, ...] = ()  # signatures of the project functions this unit calls
    callers: tuple[str, ...] = ()  # qualified names of the project units calling it


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
    code: str  # Python source
    description: str = ""


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
    reason: str = ""  # for FALLBACK: why the model's answer was not used


@dataclass(frozen=True, slots=True)
class Failed:
    """A unit the writer could not document. ``doc`` is the offline content shown instead."""

    uid: str
    reason: str
    doc: Doc | None = None
    usage: Usage = field(default_factory=Usage)


@dataclass(frozen=True, slots=True)
class Skipped:
    uid: str
    reason: str


UnitResult = Documented | Failed | Skipped


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the run report keeps of one unit's result (not its doc: a big run holds many).
    ``status`` is one of documented, cached, offline, fallback, failed, skipped."""

    uid: str
    status: str
    reason: str = ""
    usage: Usage = field(default_factory=Usage)

    @classmethod
    def of(cls, result: UnitResult) -> Outcome:
        if isinstance(result, Failed):
            return cls(result.uid, "failed", result.reason, result.usage)
        if isinstance(result, Skipped):
            return cls(result.uid, "skipped", result.reason)
        status = "documented" if result.source is DocSource.MODEL else result.source.value
        return cls(result.uid, status, result.reason, result.usage)

    @property
    def settled(self) -> bool:
        """True when a rerun has nothing to gain for this unit."""
        return self.status in ("documented", "cached", "offline")


# --------------------------------------------------------------------------------------------
# render / site


class PageKind(StrEnum):
    HOME = "home"
    REFERENCE = "reference"
    USAGE = "usage"


@dataclass(frozen=True, slots=True)
class Written:
    """One file through the write stage: its module and docs (by uid) with each unit's outcome,
    or the problem that stopped it. ``pages`` holds the rendered pages when the writer rendered
    them next to the parse (offline runs, in the parser workers); the render stage fills them
    otherwise."""

    file: SourceFile
    module: ModuleInfo | None = None
    docs: Mapping[str, Doc] = field(default_factory=dict)
    outcomes: tuple[Outcome, ...] = ()
    problem: Problem | None = None
    pages: tuple[Page, ...] = ()

    @property
    def complete(self) -> bool:
        """Every unit documented for good: a rerun has nothing to gain."""
        return all(o.settled for o in self.outcomes)


@dataclass(frozen=True, slots=True)
class Page:
    kind: PageKind
    module: str  # dotted module name ("" for the home page)
    rel_path: str  # POSIX path under the output directory ("reference/pkg/mod.md")
    text: str  # Markdown
    source_hash: str = ""  # sha256 of the module file the page was made from
    title: str = ""  # the module's title, for the home page of later partial runs
    complete: bool = True  # False when a unit on it failed or fell back: rerun it next time


@dataclass(frozen=True, slots=True)
class Listed:
    """A module as the home page lists it: name, title and page paths."""

    name: str
    title: str
    reference: str
    usage: str

    @property
    def uid(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """One page docgen wrote, as its manifest records it."""

    module: str
    kind: str
    source_hash: str  # sha256 of the module's source the page was made from ("" for home)
    sha256: str  # sha256 of the page as written
    title: str = ""  # the module's title (reference pages)
    complete: bool = True  # False: a unit on the page failed or fell back


MANIFEST_VERSION = 1  # the manifest format this docgen writes and plans from


@dataclass(frozen=True, slots=True)
class Manifest:
    """What docgen wrote last time into one output folder, keyed by page path. ``lang`` and
    ``template_hash`` are the settings the pages were made with ("" when not recorded)."""

    version: int
    pages: Mapping[str, ManifestEntry]
    fingerprint: str = ""  # what else the pages depend on: docgen, templates, language, writer
    lang: str = ""
    template_hash: str = ""

    def by_module(self) -> dict[str, dict[str, tuple[str, ManifestEntry]]]:
        """Reference and usage pages by module, then by kind."""
        out: dict[str, dict[str, tuple[str, ManifestEntry]]] = {}
        for rel, entry in self.pages.items():
            if entry.module and entry.kind in (PageKind.REFERENCE, PageKind.USAGE):
                out.setdefault(entry.module, {})[entry.kind] = (rel, entry)
        return out

    def listed(self, modules: Iterable[str]) -> tuple[Listed, ...]:
        """The home page's entries for ``modules`` (carried over, so not rendered this run)."""
        pages = self.by_module()
        out = []
        for name in sorted(set(modules)):
            mine = pages.get(name, {})
            if set(mine) == {PageKind.REFERENCE, PageKind.USAGE}:
                ref_rel, ref = mine[PageKind.REFERENCE]
                out.append(Listed(name, ref.title, ref_rel, mine[PageKind.USAGE][0]))
        return tuple(out)


@dataclass(frozen=True, slots=True)
class Plan:
    """What a run must redo: the files to document, and the modules whose pages from the last
    run stay as they are (unchanged, or outside ``--changed-since``)."""

    todo: tuple[SourceFile, ...]
    carry: frozenset[str]
    fingerprint: str
    template_hash: str


# --------------------------------------------------------------------------------------------
# pickling: the records as ``cls(*fields)``, so loading calls the generated ``__init__`` in one
# step, about twice as fast as the default slotted-dataclass state protocol


class _RecordPickler(pickle.Pickler):
    fields: dict[type, tuple[str, ...]] = {}  # noqa: RUF012 - filled once below

    def reducer_override(self, obj: Any) -> Any:
        names = self.fields.get(type(obj))
        if names is None:
            return NotImplemented
        return type(obj), tuple([getattr(obj, name) for name in names])


_RecordPickler.fields = {
    cls: tuple(f.name for f in dataclasses.fields(cls))
    for cls in list(globals().values())
    if isinstance(cls, type)
    and dataclasses.is_dataclass(cls)
    and all(f.init and not f.kw_only for f in dataclasses.fields(cls))
}


def dump_records(obj: object) -> bytes:
    """Pickle ``obj`` (records, or containers of them); ``pickle.loads`` reads it back."""
    buffer = io.BytesIO()
    _RecordPickler(buffer, pickle.HIGHEST_PROTOCOL).dump(obj)
    return buffer.getvalue()
