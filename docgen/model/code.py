"""Records of the code: what discovery finds and extraction builds (``SourceFile``,
``ModuleInfo`` holding ``ClassInfo`` / ``FunctionInfo`` / ``MainBlock`` with ``FlowNode`` trees)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "Attribute",
    "Call",
    "ClassInfo",
    "ExtractResult",
    "FlowBranch",
    "FlowKind",
    "FlowNode",
    "FunctionInfo",
    "Import",
    "MainBlock",
    "ModuleInfo",
    "ParamKind",
    "Parameter",
    "Problem",
    "Raise",
    "SourceFile",
    "Unit",
    "UnitKind",
]


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


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One Python file found by discovery."""

    path: str  # as given / found, usable with open()
    rel_path: str  # POSIX path relative to its root, used in messages and page paths
    module: str  # dotted module name derived from the package structure ("pkg.sub.mod")
    is_package: bool = False  # an __init__.py


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
    # keyword arguments given a literal value, as written: ``model="gpt-4o"``, ``stream=True``
    literals: tuple[str, ...] = ()


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
class Statement:
    """The shape of one simple statement: its kind (named after the catalog's ``clause.*`` key)
    and the source text of its parts (``target = callee(...)``, the value, the names)."""

    kind: str
    target: str = ""
    callee: str = ""
    value: str = ""
    names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FlowNode:
    """One step of control flow. ``label`` is short source text (a condition, a call, a target)."""

    kind: FlowKind
    label: str
    line: int
    branches: tuple[FlowBranch, ...] = ()
    calls: tuple[str, ...] = ()  # callees named in this node's own header/statement
    is_async: bool = False  # ``async for`` / ``async with``
    # a statement that is a call (``f(a, k=v)``, ``x = await f(a)``): its arguments as written,
    # each on one line and shortened at a syntax boundary (``headers={…}``)
    args: tuple[str, ...] = ()
    # a plain statement whose label is its whole text: its shape, read where it was parsed
    # (else the writer parses the label)
    shape: Statement | None = None


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
    # defined under module-level compound statements: (kind, code) pairs, outermost first, kind
    # one of "if", "else" (code: the test), "try", "except" (code: the exception), "finally",
    # "with" (code: the items); a module-level ``name = lambda ...`` is kind "lambda"
    conditions: tuple[tuple[str, str], ...] = ()
    # how the body uses each parameter, in order of appearance, each (name, kind, detail) once:
    # "passed" (detail: "callee" or "callee:keyword"), "iterated", "compared" (detail: the
    # literal), "stored" (detail: the attribute, "self.x"), "returned", "tested"
    param_uses: tuple[tuple[str, str, str], ...] = ()

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
    def context_manager(self) -> str | None:
        """ "sync" for a ``@contextmanager`` function, "async" for an ``@asynccontextmanager``
        one (``contextlib.`` or not), else None: its ``yield`` is the ``with`` block's value."""
        for decorator in self.decorators:
            name = decorator.split("(")[0].rsplit(".", 1)[-1].strip()
            if name == "contextmanager":
                return "sync"
            if name == "asynccontextmanager":
                return "async"
        return None

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
    conditions: tuple[tuple[str, str], ...] = ()  # as FunctionInfo.conditions

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
    """What extracting one file gave: a module, or the problem that stopped it, and the sha256
    of the bytes read ("" when the file could not be read)."""

    file: SourceFile
    module: ModuleInfo | None
    problem: Problem | None = None
    source_hash: str = ""
