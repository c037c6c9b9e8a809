"""What one module contributes to the project graph (:class:`~docgen.model.ModuleSymbols`),
read off its extracted record: the names it defines, its imports, its classes' bases, its calls
with their lines, and the local names whose class the code states (``x = Order(...)``, a
parameter annotated ``order: Order``), which is what lets ``x.total()`` resolve.

Made where the module was parsed, so only this small record travels and is cached; the graph
itself (:mod:`docgen.extract.graph`) is built from all of them in the main process.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator

from docgen.markup import one_line, signature
from docgen.model import (
    CallSite,
    ClassBases,
    ClassInfo,
    Definition,
    FlowKind,
    FlowNode,
    FunctionInfo,
    ModuleInfo,
    ModuleSymbols,
)

__all__ = ["first_sentence", "init_attributes", "local_names", "module_symbols"]

CODE_WIDTH = 120  # a calling line longer than this is cut (with "…")

_ASSIGNED = re.compile(
    r"^([A-Za-z_]\w*)\s*(?::[^=]+)?=(?!=)\s*(?:await\s+)?(?:([A-Za-z_][\w.]*)\()?"
)
_LOOP_TARGET = re.compile(r"^([A-Za-z_]\w*)\s+in\s")
_WITH_TARGET = re.compile(r"\bas\s+([A-Za-z_]\w*)\s*(?:,|$)")
_SELF_ATTR = re.compile(
    r"^\s*self\.([A-Za-z_]\w*)\s*(?::[^=]+)?=(?!=)\s*(?:([A-Za-z_][\w.]*)\()?", re.MULTILINE
)
_PLAIN_TYPE = re.compile(r"^[A-Za-z_][\w.]*$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


def first_sentence(text: str | None) -> str:
    """The first sentence of a docstring's first paragraph, on one line ("" for none)."""
    if not text:
        return ""
    paragraph = text.strip().split("\n\n", 1)[0]
    return _SENTENCE_END.split(one_line(paragraph), maxsplit=1)[0][:300]


def module_symbols(
    module: ModuleInfo, *, reference: str, usage: str, anchors: Collection[str] | None = None
) -> ModuleSymbols:
    """The record of ``module``; ``anchors`` are the heading ids its reference page has (a
    definition the page left out, shortened to its size budget, gets no anchor)."""
    lines = module.source.splitlines()

    def code_at(line: int) -> str:
        return one_line(lines[line - 1], CODE_WIDTH) if 0 < line <= len(lines) else ""

    definitions: list[Definition] = []
    seen: set[str] = set()
    for cls in module.all_classes():
        anchor = cls.qualname if anchors is None or cls.qualname in anchors else ""
        header = f"class {cls.qualname}" + (f"({', '.join(cls.bases)})" if cls.bases else "")
        definitions.append(Definition(cls.qualname, "class", anchor, cls.line_start, header,
                                      first_sentence(cls.docstring)))  # fmt: skip
        seen.add(cls.qualname)
    for fn in module.all_functions():
        if fn.qualname in seen:  # overloads and property accessors: the first one stands
            continue
        seen.add(fn.qualname)
        anchor = fn.qualname if anchors is None or fn.qualname in anchors else ""
        definitions.append(
            Definition(fn.qualname, str(fn.kind), anchor, fn.line_start,
                       signature(fn, qualified=True), first_sentence(fn.docstring))
        )  # fmt: skip
    for attr in module.attributes:
        if attr.name not in seen:
            seen.add(attr.name)
            definitions.append(Definition(attr.name, "data", "", attr.line))

    calls: list[CallSite] = []
    bindings: list[tuple[str, str, str]] = []
    for fn in module.all_functions():
        caller = fn.uid.partition(":")[2]  # accessors and overloads apart: "C.x#1"
        for call in fn.calls:
            code = code_at(call.line)
            if not code.startswith("raise "):  # an exception raised is not a call worth listing
                calls.append(CallSite(caller, call.name, call.line, code))
        bindings.extend(_bindings(fn))
        if fn.name == "__init__" and fn.kind == "method":
            owner = fn.qualname.rpartition(".")[0]
            for name, kind in _SELF_ATTR.findall(fn.source):
                if kind:  # self.x = C(...): what ``self.x`` holds in every method
                    bindings.append((f"{owner}.self", name, kind))
    body_calls = module.calls + (module.main_block.calls if module.main_block else ())
    for call in body_calls:
        calls.append(CallSite("", call.name, call.line, code_at(call.line)))
    for node in _walk(module.statements + (module.main_block.flow if module.main_block else ())):
        bound = _assigned(node)
        if bound:
            bindings.append(("", *bound))
    return ModuleSymbols(
        module=module.name,
        is_package=module.is_package,
        reference=reference,
        usage=usage,
        definitions=tuple(definitions),
        imports=module.imports,
        classes=tuple(_bases(cls) for cls in module.all_classes()),
        calls=tuple(calls),
        summary=first_sentence(module.docstring),
        bindings=tuple(bindings),
    )


def _bases(cls: ClassInfo) -> ClassBases:
    bases = tuple(b for b in cls.bases if "=" not in b and not b.startswith("*"))
    return ClassBases(cls.qualname, bases, init_attributes(cls))


def init_attributes(cls: ClassInfo) -> tuple[str, ...]:
    """The names ``__init__`` assigns on ``self``, in order, each once."""
    attributes: list[str] = []
    for method in cls.methods:
        if method.name == "__init__":
            for name, _ in _SELF_ATTR.findall(method.source):
                if name not in attributes:
                    attributes.append(name)
    return tuple(attributes)


def _bindings(fn: FunctionInfo) -> Iterator[tuple[str, str, str]]:
    """(function, local name, what it holds as written) for parameters (their annotated class,
    "" when unknown) and local names (``x = C(...)``: "C"; any other binding: ""), so a local
    name never resolves to the module-level name it shadows."""
    for param in fn.params:
        if param.name != fn.bound_param:
            yield fn.qualname, param.name, _annotated_class(param.annotation)
    for node in _walk(fn.flow):
        bound = _assigned(node)
        if bound:
            yield fn.qualname, *bound


def local_names(fn: FunctionInfo) -> set[str]:
    """The names a function binds itself: its parameters and local assignments, loop and
    ``with`` targets (they shadow the module's names of the same spelling)."""
    return {name for _, name, _ in _bindings(fn)} | {p.name for p in fn.params}


def _annotated_class(annotation: str | None) -> str:
    if not annotation:
        return ""
    text = annotation.strip().strip("'\"")
    for suffix in (" | None", "|None"):
        text = text.removesuffix(suffix)
    if text.startswith("Optional[") and text.endswith("]"):
        text = text[9:-1]
    return text if _PLAIN_TYPE.match(text) else ""


def _assigned(node: FlowNode) -> tuple[str, str] | None:
    if node.kind is FlowKind.STATEMENT:
        found = _ASSIGNED.match(node.label)
        return (found.group(1), found.group(2) or "") if found else None
    if node.kind is FlowKind.FOR:
        found = _LOOP_TARGET.match(node.label)
        return (found.group(1), "") if found else None
    if node.kind is FlowKind.WITH:
        found = _WITH_TARGET.search(node.label)
        return (found.group(1), "") if found else None
    return None


def _walk(nodes: tuple[FlowNode, ...]) -> Iterator[FlowNode]:
    stack = list(reversed(nodes))
    while stack:
        node = stack.pop()
        yield node
        for branch in reversed(node.branches):
            stack.extend(reversed(branch.body))
