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
import operator
import pickle
import zlib
from collections.abc import Callable
from typing import Any

from docgen.model import code, docs, graph, site
from docgen.model.code import (
    Attribute,
    Call,
    ClassInfo,
    ExtractResult,
    FlowBranch,
    FlowKind,
    FlowNode,
    FunctionInfo,
    Import,
    MainBlock,
    ModuleInfo,
    Parameter,
    ParamKind,
    Problem,
    Raise,
    SourceFile,
    Statement,
    Unit,
    UnitKind,
)
from docgen.model.docs import (
    ClassDoc,
    Doc,
    DocSource,
    Documented,
    Example,
    Failed,
    FunctionDoc,
    ModuleDoc,
    Outcome,
    ParamDoc,
    RaiseDoc,
    Skipped,
    UnitContext,
    UnitResult,
    Usage,
)
from docgen.model.graph import CallSite, ClassBases, Definition, ModuleSymbols, Target
from docgen.model.site import (
    MANIFEST_VERSION,
    Listed,
    Manifest,
    ManifestEntry,
    Page,
    PageKind,
    PageQuality,
    Plan,
    SkippedEntry,
    UnitQuality,
    Written,
)

# --------------------------------------------------------------------------------------------
# pickling: the records as ``cls(*fields)``, so loading calls the generated ``__init__`` in one
# step, about twice as fast as the default slotted-dataclass state protocol


class _RecordPickler(pickle.Pickler):
    # each record class's fields, read in one C call (an ``attrgetter`` of two names or more
    # gives their tuple): a list built field by field in Python was a third of pickling
    fields: dict[type, Callable[[Any], tuple[Any, ...]]] = {}  # noqa: RUF012 - filled below

    def reducer_override(self, obj: Any) -> Any:
        read = self.fields.get(type(obj))
        if read is None:
            return NotImplemented
        return type(obj), read(obj)


def _reader(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    if len(names) >= 2:
        return operator.attrgetter(*names)
    if names:
        name = names[0]
        return lambda obj: (getattr(obj, name),)
    return lambda obj: ()


_RecordPickler.fields = {
    cls: _reader(tuple(f.name for f in dataclasses.fields(cls)))
    for module in (code, docs, graph, site)
    for cls in vars(module).values()
    if isinstance(cls, type)
    and dataclasses.is_dataclass(cls)
    and all(f.init and not f.kw_only for f in dataclasses.fields(cls))
}


def dump_records(obj: object) -> bytes:
    """Pickle ``obj`` (records, or containers of them); ``pickle.loads`` reads it back."""
    buffer = io.BytesIO()
    _RecordPickler(buffer, pickle.HIGHEST_PROTOCOL).dump(obj)
    return buffer.getvalue()


def pack_records(obj: object) -> bytes:
    """:func:`dump_records`, compressed (zlib level 1) as the cache stores records."""
    return zlib.compress(dump_records(obj), 1)


__all__ = [
    "MANIFEST_VERSION",
    "Attribute",
    "Call",
    "CallSite",
    "ClassBases",
    "ClassDoc",
    "ClassInfo",
    "Definition",
    "Doc",
    "DocSource",
    "Documented",
    "Example",
    "ExtractResult",
    "Failed",
    "FlowBranch",
    "FlowKind",
    "FlowNode",
    "FunctionDoc",
    "FunctionInfo",
    "Import",
    "Listed",
    "MainBlock",
    "Manifest",
    "ManifestEntry",
    "ModuleDoc",
    "ModuleInfo",
    "ModuleSymbols",
    "Outcome",
    "Page",
    "PageKind",
    "PageQuality",
    "ParamDoc",
    "ParamKind",
    "Parameter",
    "Plan",
    "Problem",
    "Raise",
    "RaiseDoc",
    "Skipped",
    "SkippedEntry",
    "SourceFile",
    "Statement",
    "Target",
    "Unit",
    "UnitContext",
    "UnitKind",
    "UnitQuality",
    "UnitResult",
    "Usage",
    "Written",
    "dump_records",
    "pack_records",
]
