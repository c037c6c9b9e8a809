"""Shared helpers for the chat-writer tests: modules from inline source, a stand-in offline doc."""

from __future__ import annotations

import textwrap

from docgen.extract import extract_source
from docgen.model import (
    ClassDoc,
    ClassInfo,
    Example,
    FunctionDoc,
    ModuleDoc,
    ModuleInfo,
    ParamDoc,
    RaiseDoc,
    UnitContext,
)
from docgen.write.chat.answer import code_params


def make_module(source: str, name: str = "pkg.mod") -> ModuleInfo:
    """The extractor's ModuleInfo for ``source`` (dedented)."""
    source = textwrap.dedent(source).lstrip("\n")
    return extract_source(source, module=name, path=name.replace(".", "/") + ".py")


def context_for(module: ModuleInfo, lang: str = "ru") -> UnitContext:
    return UnitContext(module=module, lang=lang)


def offline_stub(unit, context) -> FunctionDoc | ClassDoc | ModuleDoc:
    """A stand-in for OfflineWriter.document: recognisable content built from the code facts."""
    if isinstance(unit, ModuleInfo):
        return ModuleDoc("OFFLINE " + unit.name, "OFFLINE overview", "", (), None, "")
    if isinstance(unit, ClassInfo):
        return ClassDoc("OFFLINE " + unit.name, "", (), ())
    params = tuple(ParamDoc(name, "OFFLINE param") for name in code_params(unit))
    raises = tuple(RaiseDoc(r.exception, "OFFLINE raise") for r in unit.raises if r.exception)
    return FunctionDoc(
        "OFFLINE " + unit.name,
        params,
        "OFFLINE returns",
        raises,
        (),
        (Example("pass"),),
        summary="OFFLINE summary",
    )
