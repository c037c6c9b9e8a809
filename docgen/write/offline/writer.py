"""The offline writer: deterministic prose built from extracted facts alone.

It needs no network and gives the same text for the same code. Every sentence comes from the
message catalog (so one writer serves Russian and English) and states only what the code or its
docstring shows: the docstring's own words first, then names, types, defaults, raised exceptions,
returned expressions, calls and control flow. Nothing is guessed; a fact that is absent is left
out. The chat-model writer falls back to this writer's content when a model answer is unusable.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

from docgen.i18n import Catalog, load_catalog
from docgen.markup import items_shown
from docgen.model import (
    ClassDoc,
    ClassInfo,
    Doc,
    Example,
    ExtractResult,
    FlowKind,
    FlowNode,
    FunctionDoc,
    FunctionInfo,
    ModuleDoc,
    ModuleInfo,
    Outcome,
    ParamDoc,
    RaiseDoc,
    Unit,
    UnitContext,
    Written,
)
from docgen.write.context import contexts
from docgen.write.offline.docstrings import Docstring, parse_docstring
from docgen.write.offline.examples import class_example, function_example, parses
from docgen.write.offline.modules import ModuleDocs
from docgen.write.offline.params import describe_param
from docgen.write.offline.phrases import (
    FlowPhraser,
    code,
    foreign,
    join_list,
    sentence,
)
from docgen.write.offline.purpose import Purposes, returned

__all__ = ["OfflineWriter"]

MAX_RETURNED = 4  # returned expressions listed beside the return annotation

log = logging.getLogger(__name__)


class OfflineWriter(ModuleDocs):
    """Writes docs from facts. :meth:`document` is pure and never raises.

    The writer is its own ``in_worker`` task: it pickles small (the settings and the message
    catalog), so each parser worker gets one copy and documents every module it parses.
    """

    name = "offline"

    def __init__(self, *, lang: str = "ru", templates: str | None = None):
        self.lang = lang
        self.catalog: Catalog = load_catalog(lang, [templates] if templates else [])
        self.flow = FlowPhraser(self.catalog)
        self.purposes = Purposes(self.catalog)

    @property
    def in_worker(self) -> OfflineWriter:
        return self

    def __call__(self, extracted: ExtractResult) -> Written:
        """Document every unit of one extracted module."""
        module = extracted.module
        if module is None:
            return Written(
                extracted.file, problem=extracted.problem, source_hash=extracted.source_hash
            )
        docs: dict[str, Doc] = {}
        for unit, context in contexts(module, lang=self.lang):
            docs[unit.uid] = self.document(unit, context)
        outcomes = tuple(Outcome(uid, "offline") for uid in docs)
        return Written(extracted.file, module, docs, outcomes)

    def prepare(self) -> None:
        """Nothing to load: the offline writer is all here."""

    def write(self, extracted: Iterable[ExtractResult | Written]) -> Iterator[Written]:
        for item in extracted:
            yield item if isinstance(item, Written) else self(item)

    def document(self, unit: Unit, context: UnitContext) -> Doc:
        try:
            if isinstance(unit, FunctionInfo):
                return self.function(unit, context.module)
            if isinstance(unit, ClassInfo):
                return self.klass(unit, context.module)
            return self.module(unit)
        except Exception:  # a writer bug must not stop the run: show a bare doc instead
            log.exception("offline writer failed on %s", unit.uid)
            return _bare(unit)

    # ------------------------------------------------------------------------------ functions

    def function(self, fn: FunctionInfo, module: ModuleInfo | None = None) -> FunctionDoc:
        doc = parse_docstring(fn.docstring)
        cls = _owner(fn)
        summary = sentence(doc.summary) if doc.summary else self.purposes.function(fn, cls, module)
        shown = foreign(self.catalog, summary) if doc.summary else summary
        purpose = f"{shown}\n\n{doc.description}" if doc.description else shown
        examples = tuple(Example(code) for code in doc.examples if parses(code))
        if not examples:
            built = function_example(fn, module)
            examples = (Example(built),) if built and parses(built) else ()
        return FunctionDoc(
            purpose=purpose,
            params=tuple(self._param(fn, p, doc) for p in fn.call_params),
            returns=self._returns(fn, doc),
            raises=self._raises(fn, doc),
            steps=self.flow.steps(fn.flow),
            examples=examples,
            summary=summary,
        )

    def _param(self, fn: FunctionInfo, p, doc: Docstring) -> ParamDoc:
        return describe_param(self.catalog, fn, p, doc)

    def _returns(self, fn: FunctionInfo, doc: Docstring) -> str:
        t = self.catalog.t
        item = doc.yields if fn.yields and doc.yields else doc.returns
        if item and (item.description or item.type):
            if item.description:
                return sentence(item.description)
            return t("returns.type", type=code(item.type))
        if fn.context_manager == "async":
            return t("returns.async_context_manager")
        if fn.context_manager:
            return t("returns.context_manager")
        if fn.yields:
            if fn.returns:
                return t("returns.generator_type", type=code(fn.returns))
            return t("returns.generator")
        values = returned(fn)
        if fn.returns and fn.returns != "None":
            if values and len(values) <= MAX_RETURNED:  # the type, and what the body returns
                shown = ", ".join(code(v, 60) for v in values)
                key = "returns.type_value" if len(values) == 1 else "returns.type_values"
                return t(key, type=code(fn.returns), values=shown)
            return t("returns.type", type=code(fn.returns))
        if values:
            return self.purposes.values("returns.value", "returns.values", values)
        return ""

    def _raises(self, fn: FunctionInfo, doc: Docstring) -> tuple[RaiseDoc, ...]:
        t = self.catalog.t
        found: dict[str, list[str]] = {}
        contexts = _raise_contexts(fn.flow) if fn.raises else {}
        for r in fn.raises:
            exc = r.exception or contexts.get(r.line, ("", []))[0]
            if not exc:
                continue
            name = _exception_name(exc)
            where = contexts.get(r.line, ("", []))[1]
            text = (
                t("raise.when", when=self._where(where)) if where else t("raise.plain", line=r.line)
            )
            if r.exception is None:
                text = (
                    t("raise.reraise", when=self._where(where))
                    if where
                    else t("raise.reraise_plain")
                )
            if r.message:
                text += " " + t("raise.message", message=code(r.message, 100))
            found.setdefault(name, []).append(text)
        out: list[RaiseDoc] = []
        for name, texts in found.items():
            item = doc.raised(name)
            unique = list(dict.fromkeys(texts))
            description = (
                sentence(item.description) if item and item.description else " ".join(unique)
            )
            out.append(RaiseDoc(name, description))
        for item in doc.raises:
            if not any(_same_exception(item.name, r.exception) for r in out):
                out.append(
                    RaiseDoc(item.name, sentence(item.description) if item.description else "")
                )
        return tuple(out)

    def _where(self, path: list[tuple[str, str, str]]) -> str:
        t = self.catalog.t
        parts = []
        for role, label, first in path:
            if role == "if":
                parts.append(t("where.if", cond=code(label)))
            elif role == "elif":
                parts.append(t("where.elif", cond=code(label)))
            elif role == "else":
                parts.append(t("where.else", cond=code(first)))
            elif role == "except":
                exc = label.split(" as ")[0].strip()
                parts.append(t("where.except", exc=code(exc)) if exc else t("where.except_any"))
            elif role == "loop":
                parts.append(t("where.loop", label=code(label)))
            elif role == "case":
                parts.append(t("where.case", pattern=code(label), subject=code(first)))
            elif role == "with":
                parts.append(t("where.with", label=code(label)))
        return join_list(self.catalog, parts)

    # ------------------------------------------------------------------------------ classes

    def klass(self, cls: ClassInfo, module: ModuleInfo | None = None) -> ClassDoc:
        cat = self.catalog
        doc = parse_docstring(cls.docstring)
        purpose = foreign(cat, sentence(doc.summary)) if doc.summary else self._class_purpose(cls)
        details = doc.description or self._class_details(cls)
        attributes = []
        for attr in cls.attributes:
            if attr.name.startswith("_") and not attr.name.endswith("__"):
                continue
            item = next((a for a in doc.attributes if a.name == attr.name), None)
            method = next((m for m in cls.methods if m.line_start <= attr.line <= m.line_end), None)
            if item and item.description:
                text = sentence(item.description)
            elif attr.docstring:
                text = sentence(parse_docstring(attr.docstring).summary)
            elif method is not None:
                text = cat.t(
                    "attr.instance", method=code(method.name), value=code(attr.value or "", 60)
                )
            elif attr.annotation and attr.value is not None:
                text = cat.t(
                    "attr.typed_value", type=code(attr.annotation), value=code(attr.value, 60)
                )
            elif attr.annotation:
                text = cat.t("attr.typed", type=code(attr.annotation))
            elif attr.value is not None:
                text = cat.t("attr.value", value=code(attr.value, 60))
            else:
                text = ""
            attributes.append(ParamDoc(attr.name, text))
        known = {a.name for a in attributes}
        for item in doc.attributes:
            if item.name not in known:
                attributes.append(
                    ParamDoc(item.name, sentence(item.description) if item.description else "")
                )
        examples = tuple(Example(c) for c in doc.examples if parses(c))
        if not examples:
            built = class_example(cls, module)
            examples = (Example(built),) if built and parses(built) else ()
        return ClassDoc(purpose, details, tuple(attributes), examples)

    def _class_purpose(self, cls: ClassInfo) -> str:
        cat = self.catalog
        counts = []
        if cls.methods:
            counts.append(cat.plural(len(cls.methods), "count.methods"))
        public = [a for a in cls.attributes if not a.name.startswith("_")]
        if public:
            counts.append(cat.plural(len(public), "count.attributes"))
        if cls.classes:
            counts.append(cat.plural(len(cls.classes), "count.nested_classes"))
        kind = (
            "dataclass"
            if any(d.split("(")[0].endswith("dataclass") for d in cls.decorators)
            else "class"
        )
        subject = cat.t(f"subject.{kind}", name=code(cls.name))
        parts = []
        bases = [b for b in cls.bases if "=" not in b]
        if bases:
            parts.append(cat.t("clause.inherits", bases=join_list(cat, [code(b) for b in bases])))
        # what it holds and offers says more than how many methods it has
        init = next((m for m in cls.methods if m.name == "__init__"), None)
        held = [p for p, use, _ in init.param_uses if use == "stored"] if init else []
        if not held and kind == "dataclass":
            held = [a.name for a in public if a.annotation and "ClassVar" not in a.annotation]
        offered = [
            m.name
            for m in cls.methods
            if not m.name.startswith("_") and not m.property_role and m.variant == 0
        ]
        if held:
            parts.append(cat.t("clause.holds", names=_few(cat, held)))
        if offered:
            parts.append(cat.plural(len(offered), "clause.offers", names=_few(cat, offered)))
        if not (held or offered):
            parts.append(
                cat.t("clause.contains", parts=join_list(cat, counts))
                if counts
                else cat.t("clause.empty_class")
            )
        return sentence(f"{subject} {join_list(cat, parts)}")

    def _class_details(self, cls: ClassInfo) -> str:
        cat = self.catalog
        sentences = []
        plain = [m for m in cls.methods if not m.property_role and m.variant == 0]
        props = list(dict.fromkeys(m.name for m in cls.methods if m.property_role))
        if plain:
            names = join_list(cat, [code(m.name) for m in plain])
            sentences.append(cat.plural(len(plain), "class.methods", names=names))
        if props:
            names = join_list(cat, [code(p) for p in props])
            sentences.append(cat.plural(len(props), "class.properties", names=names))
        if cls.decorators:
            names = join_list(cat, [code("@" + d) for d in cls.decorators])
            sentences.append(cat.plural(len(cls.decorators), "class.decorators", names=names))
        return " ".join(sentences)

    # ------------------------------------------------------------------------------ modules


def _bare(unit: Unit) -> Doc:
    if isinstance(unit, FunctionInfo):
        return FunctionDoc("", (), "", (), (), ())
    if isinstance(unit, ClassInfo):
        return ClassDoc("", "", (), ())
    return ModuleDoc(unit.name, "", "", (), None)


def _owner(fn: FunctionInfo) -> str | None:
    return fn.qualname.rsplit(".", 1)[0] if "." in fn.qualname else None


def _few(cat: Catalog, names: list[str], shown: int = 4) -> str:
    """Up to ``shown`` names quoted; a longer list ends with "and N more"."""
    keep = items_shown(len(names), shown)
    quoted = [code(n) for n in names[:keep]]
    if len(names) > keep:
        quoted.append(cat.plural(len(names) - keep, "clause.more_names"))
    return join_list(cat, quoted)


def _exception_name(text: str) -> str:
    return text.split("(")[0].strip()


def _same_exception(a: str, b: str) -> bool:
    return a == b or a.rsplit(".", 1)[-1] == b.rsplit(".", 1)[-1]


def _raise_contexts(
    nodes: tuple[FlowNode, ...],
) -> dict[int, tuple[str, list[tuple[str, str, str]]]]:
    """line -> (caught exception for a bare raise, path of (role, label, first if-label))."""
    out: dict[int, tuple[str, list[tuple[str, str, str]]]] = {}

    def visit(body, path, caught):
        for node in body:
            if node.kind is FlowKind.RAISE:
                out.setdefault(node.line, (caught, list(path)))
            first = node.branches[0].label if node.branches else ""
            for branch in node.branches:
                step = None
                catch = caught
                if node.kind is FlowKind.IF:
                    step = (branch.role or "if", branch.label, first)
                elif node.kind in (FlowKind.FOR, FlowKind.WHILE) and branch.role != "else":
                    step = ("loop", node.label, "")
                elif node.kind is FlowKind.TRY and branch.role == "except":
                    step = ("except", branch.label, "")
                    catch = branch.label.split(" as ")[0].strip()
                elif node.kind is FlowKind.MATCH:
                    step = ("case", branch.label, node.label)
                elif node.kind is FlowKind.WITH:
                    step = ("with", node.label, "")
                visit(branch.body, [*path, step] if step else path, catch)

    visit(nodes, [], "")
    return out
