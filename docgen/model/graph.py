"""Records of the project graph: what each module contributes to the symbol table
(``ModuleSymbols``, small enough to pickle back from a worker and to keep in the cache), and the
table and call graph built from all of them (``docgen.extract.graph.ProjectGraph``)."""

from __future__ import annotations

from dataclasses import dataclass

from docgen.model.code import Import

__all__ = ["CallSite", "ClassBases", "Definition", "ModuleSymbols", "Target"]


@dataclass(frozen=True, slots=True)
class Definition:
    """One name a module defines: a class, function or method (with the heading id of its
    section on the module's reference page, "" when the page has no section for it) or a
    module-level name (kind "data", linked to the page itself)."""

    qualname: str  # "Class.method"
    kind: str  # "class", "function", "method", "data"
    anchor: str = ""
    line: int = 0
    signature: str = ""  # "def f(x: int) -> str" for functions, "class C(Base)" for classes
    summary: str = ""  # the docstring's first sentence, as written ("" without one)


@dataclass(frozen=True, slots=True)
class CallSite:
    """One call made in a unit, as written, with its line and the line's code."""

    caller: str  # the calling unit's uid after the module: "C.m", "C.x#1"; "" for module code
    name: str  # the callee as written: "helper", "self.save", "models.Order"
    line: int
    code: str  # the calling line, stripped


@dataclass(frozen=True, slots=True)
class ClassBases:
    qualname: str
    bases: tuple[str, ...]  # as written, keywords left out
    attributes: tuple[str, ...] = ()  # names __init__ assigns on self, in order


@dataclass(frozen=True, slots=True)
class ModuleSymbols:
    """What one module contributes to the project graph."""

    module: str
    is_package: bool
    reference: str  # the module's reference page (path under the site)
    usage: str  # its usage note
    definitions: tuple[Definition, ...]
    imports: tuple[Import, ...]
    classes: tuple[ClassBases, ...]
    calls: tuple[CallSite, ...]
    summary: str = ""  # the module docstring's first sentence
    # (function qualname or "" for module code, local name, class as written): what the code
    # says a name holds, from an annotated parameter or ``x = C(...)``
    bindings: tuple[tuple[str, str, str], ...] = ()
    # (top-level qualname, its usage example as the usage note shows it), when the note may
    # show the one other modules use most instead of the first (the first is on the page)
    entries: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Target:
    """Where a resolved name is documented."""

    name: str  # full dotted name: "pkg.mod.Class.method", "pkg.mod"
    module: str
    qualname: str  # "" for a module
    kind: str  # "module", "class", "function", "method", "data"
    page: str  # the reference page's path under the site
    anchor: str = ""  # "" links the page itself

    @property
    def uid(self) -> str:
        """The unit id (``pkg.mod:Class.method``; ``pkg.mod`` for a module)."""
        return f"{self.module}:{self.qualname}" if self.qualname else self.module
