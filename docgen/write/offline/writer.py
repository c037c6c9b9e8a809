"""The offline writer: deterministic prose built from extracted facts alone.

It needs no network and gives the same text for the same code. Every sentence comes from the
message catalog (so one writer serves Russian and English) and states only what the code or its
docstring shows: the docstring's own words first, then names, types, defaults, raised exceptions,
returned expressions, calls and control flow. Nothing is guessed; a fact that is absent is left
out. The chat-model writer falls back to this writer's content when a model answer is unusable.
"""

from __future__ import annotations

import ast
import logging
from collections.abc import Iterable, Iterator
from functools import lru_cache

from docgen.i18n import Catalog, load_catalog
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
    ParamKind,
    RaiseDoc,
    Unit,
    UnitContext,
    Written,
)
from docgen.write.context import contexts
from docgen.write.offline.docstrings import Docstring, parse_docstring
from docgen.write.offline.examples import class_example, function_example, module_example
from docgen.write.offline.phrases import FlowPhraser, code, join_list, sentence

__all__ = ["OfflineWriter"]

log = logging.getLogger(__name__)


class OfflineWriter:
    """Writes docs from facts. :meth:`document` is pure and never raises.

    The writer is its own ``in_worker`` task: it pickles small (the settings and the message
    catalog), so each parser worker gets one copy and documents every module it parses.
    """

    name = "offline"

    def __init__(self, *, lang: str = "ru", templates: str | None = None):
        self.lang = lang
        self.catalog: Catalog = load_catalog(lang, [templates] if templates else [])
        self.flow = FlowPhraser(self.catalog)

    @property
    def in_worker(self) -> OfflineWriter:
        return self

    def __call__(self, extracted: ExtractResult) -> Written:
        """Document every unit of one extracted module."""
        module = extracted.module
        if module is None:
            return Written(extracted.file, problem=extracted.problem)
        docs: dict[str, Doc] = {}
        for unit, context in contexts(module, lang=self.lang):
            docs[unit.uid] = self.document(unit, context)
        outcomes = tuple(Outcome(uid, "offline") for uid in docs)
        return Written(extracted.file, module, docs, outcomes)

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
        summary = sentence(doc.summary) if doc.summary else self._purpose(fn, cls)
        purpose = f"{summary}\n\n{doc.description}" if doc.description else summary
        examples = tuple(Example(code) for code in doc.examples if _parses(code))
        if not examples:
            built = function_example(fn, module)
            examples = (Example(built),) if built and _parses(built) else ()
        return FunctionDoc(
            purpose=purpose,
            params=tuple(self._param(p, doc) for p in fn.call_params),
            returns=self._returns(fn, doc),
            raises=self._raises(fn, doc),
            steps=self.flow.steps(fn.flow),
            examples=examples,
            summary=summary,
        )

    def _subject(self, fn: FunctionInfo, cls: str | None) -> str:
        t = self.catalog.t
        name, owner = code(fn.name), code(cls or "")
        if cls and fn.property_role:
            return t(f"subject.property_{fn.property_role}", name=name, cls=owner)
        if cls and fn.name == "__init__":
            return t("subject.constructor", cls=owner)
        prefix = "async_" if fn.is_async else ""
        if fn.yields:
            prefix += "generator_"
        if cls:
            if "staticmethod" in fn.decorators:
                return t(f"subject.{prefix}staticmethod", name=name, cls=owner)
            if "classmethod" in fn.decorators:
                return t(f"subject.{prefix}classmethod", name=name, cls=owner)
            return t(f"subject.{prefix}method", name=name, cls=owner)
        return t(f"subject.{prefix}function", name=name)

    def _purpose(self, fn: FunctionInfo, cls: str | None) -> str:
        cat = self.catalog
        params = fn.call_params
        if params:
            names = join_list(cat, [code(p.name) for p in params])
            takes = cat.plural(len(params), "clause.takes", names=names)
        else:
            takes = cat.t("clause.takes_none")
        gives = self._gives(fn)
        if fn.property_role == "getter" and not params:
            parts = [gives] if gives else [cat.t("clause.returns_nothing")]
        else:
            parts = [takes, gives] if gives else [takes]
        text = sentence(f"{self._subject(fn, cls)} {join_list(cat, parts)}")
        if fn.is_overload:
            text += " " + cat.t("sentence.overload")
        return text

    def _gives(self, fn: FunctionInfo) -> str:
        t = self.catalog.t
        if fn.yields:
            return (
                t("clause.gives_yield_type", type=code(fn.returns))
                if fn.returns
                else t("clause.gives_yield")
            )
        if fn.returns and fn.returns != "None":
            return t("clause.gives_type", type=code(fn.returns))
        values = _returned(fn)
        if values:
            return self._values("clause.gives_value", "clause.gives_values", values)
        if fn.is_overload or fn.name == "__init__":
            return ""
        if fn.returns == "None" or fn.flow:
            return t("clause.returns_nothing")
        return ""

    def _values(self, one: str, many: str, values: list[str]) -> str:
        quoted = [code(v, 60) for v in values]
        if len(quoted) == 1:
            return self.catalog.t(one, value=quoted[0])
        return self.catalog.t(many, values=", ".join(quoted))

    def _param(self, p, doc: Docstring) -> ParamDoc:
        t = self.catalog.t
        item = doc.param(p.name)
        default = t("param.optional", default=code(p.default, 60)) if p.default is not None else ""
        if item and item.description:
            text = sentence(item.description)
            if default and p.default not in item.description:
                text = f"{text} {t('param.default', default=code(p.default, 60))}"
            return ParamDoc(p.name, text)
        parts: list[str] = []
        if p.kind is ParamKind.VAR_POSITIONAL:
            parts.append(t("param.var_positional"))
        elif p.kind is ParamKind.VAR_KEYWORD:
            parts.append(t("param.var_keyword"))
        else:
            if p.annotation:
                parts.append(t("param.type", type=code(p.annotation)))
            elif item and item.type:
                parts.append(t("param.type", type=code(item.type)))
            parts.append(default or t("param.required"))
            if p.kind is ParamKind.KEYWORD_ONLY:
                parts.append(t("param.keyword_only"))
            elif p.kind is ParamKind.POSITIONAL_ONLY:
                parts.append(t("param.positional_only"))
        return ParamDoc(p.name, " ".join(parts))

    def _returns(self, fn: FunctionInfo, doc: Docstring) -> str:
        t = self.catalog.t
        item = doc.yields if fn.yields and doc.yields else doc.returns
        if item and (item.description or item.type):
            if item.description:
                return sentence(item.description)
            return t("returns.type", type=code(item.type))
        if fn.yields:
            if fn.returns:
                return t("returns.generator_type", type=code(fn.returns))
            return t("returns.generator")
        if fn.returns and fn.returns != "None":
            return t("returns.type", type=code(fn.returns))
        values = _returned(fn)
        if values:
            return self._values("returns.value", "returns.values", values)
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
        purpose = sentence(doc.summary) if doc.summary else self._class_purpose(cls)
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
        examples = tuple(Example(c) for c in doc.examples if _parses(c))
        if not examples:
            built = class_example(cls, module)
            examples = (Example(built),) if built and _parses(built) else ()
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

    def module(self, mod: ModuleInfo) -> ModuleDoc:
        cat = self.catalog
        doc = parse_docstring(mod.docstring)
        name = code(mod.name)
        title = doc.summary.rstrip(".") if doc.summary else cat.t("module.title", name=name)
        overview = sentence(doc.summary) if doc.summary else self._module_overview(mod)
        details = doc.description or self._module_details(mod)
        entry = ""
        if mod.main_block is not None:
            body = self.flow.brief(mod.main_block.flow)
            entry = cat.t("module.entry_point", command=code(f"python -m {mod.name}"), body=body)
        return ModuleDoc(
            title=title,
            overview=overview,
            details=details,
            steps=self._usage_steps(mod),
            usage_example=_example_or_none(module_example(mod)),
            entry_point=entry,
        )

    def _module_overview(self, mod: ModuleInfo) -> str:
        cat = self.catalog
        name = code(mod.name)
        if mod.is_script:
            if not mod.statements and mod.main_block is None:
                return cat.t("module.overview_empty", name=name)
            return cat.t("module.overview_script", name=name)
        counts = []
        if mod.classes:
            counts.append(cat.plural(len(mod.classes), "count.classes"))
        if mod.functions:
            counts.append(cat.plural(len(mod.functions), "count.functions"))
        text = cat.t("module.overview_counts", name=name, parts=join_list(cat, counts))
        if mod.main_block is not None:
            text += " " + cat.t("module.overview_main")
        return text

    def _module_details(self, mod: ModuleInfo) -> str:
        cat = self.catalog
        sentences = []
        imported = _imported_modules(mod)
        if imported:
            quoted = join_list(cat, [code(m) for m in imported])
            sentences.append(cat.t("module.imports", names=quoted))
        if mod.attributes:
            names = list(dict.fromkeys(a.name for a in mod.attributes))
            quoted = join_list(cat, [code(n) for n in names])
            sentences.append(cat.plural(len(names), "module.attributes", names=quoted))
        calls = list(dict.fromkeys(c.name for c in mod.calls))
        if calls:
            quoted = join_list(cat, [code(c) for c in calls[:6]])
            sentences.append(cat.t("module.calls", names=quoted))
        return " ".join(sentences)

    def _usage_steps(self, mod: ModuleInfo) -> tuple[str, ...]:
        cat = self.catalog
        steps: list[str] = []

        def add(title_key: str, text: str) -> None:
            steps.append(f"{cat.t(title_key)}: {sentence(text)}")

        imported = _imported_names(mod, cat)
        if imported:
            add("step_title.imports", cat.t("module.imports", names=_join_groups(cat, imported)))
        for group in self.flow._groups(mod.statements):
            key = _STEP_TITLES.get(group[0].kind, "step_title.statements")
            add(key, self.flow._group_clause(group, deep=True))
        defs = []
        if mod.classes:
            names = join_list(cat, [code(c.name) for c in mod.classes])
            defs.append(cat.plural(len(mod.classes), "defs.classes", names=names))
        functions = list(dict.fromkeys(f.name for f in mod.functions))
        if functions:
            names = join_list(cat, [code(f) for f in functions])
            defs.append(cat.plural(len(functions), "defs.functions", names=names))
        if defs:
            add(
                "step_title.definitions",
                cat.t("clause.defines", items=cat.t("word.also").join(defs)),
            )
        if mod.main_block is not None:
            add(
                "step_title.entry_point",
                cat.t("clause.main_block", body=self.flow.brief(mod.main_block.flow)),
            )
        elif not mod.is_script:
            add("step_title.use", cat.t("clause.use_import", module=code(mod.name)))
        if len(steps) > 8:
            steps = [*steps[:7], steps[-1]]
        return tuple(steps)


_STEP_TITLES = {
    FlowKind.STATEMENT: "step_title.statements",
    FlowKind.IF: "step_title.if",
    FlowKind.FOR: "step_title.loop",
    FlowKind.WHILE: "step_title.loop",
    FlowKind.TRY: "step_title.try",
    FlowKind.WITH: "step_title.with",
    FlowKind.MATCH: "step_title.match",
    FlowKind.ASSERT: "step_title.assert",
    FlowKind.RAISE: "step_title.raise",
}


# ---------------------------------------------------------------------------------- helpers


def _bare(unit: Unit) -> Doc:
    if isinstance(unit, FunctionInfo):
        return FunctionDoc("", (), "", (), (), ())
    if isinstance(unit, ClassInfo):
        return ClassDoc("", "", (), ())
    return ModuleDoc(unit.name, "", "", (), None)


def _owner(fn: FunctionInfo) -> str | None:
    return fn.qualname.rsplit(".", 1)[0] if "." in fn.qualname else None


def _returned(fn: FunctionInfo) -> list[str]:
    return [v for v in dict.fromkeys(fn.return_values) if v != "None"] + (
        ["None"] if "None" in fn.return_values and len(set(fn.return_values)) > 1 else []
    )


def _parses(source: str) -> bool:
    """Whether ``source`` is valid Python.

    Built examples are a few one-line statements that repeat from unit to unit (``from m import
    C``, ``c = C()``), so each line is checked on its own first, with a cache: lines that each
    parse alone also parse together. Anything else (a block, a continued line) is parsed whole.
    """
    return all(_parses_whole(line) for line in source.split("\n")) or _parses_whole(source)


@lru_cache(maxsize=1 << 14)
def _parses_whole(source: str) -> bool:
    try:
        ast.parse(source)
    except (SyntaxError, ValueError):
        return False
    return True


def _example_or_none(source: str) -> Example | None:
    return Example(source) if source and _parses(source) else None


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


def _imported_modules(mod: ModuleInfo) -> list[str]:
    names = []
    for imp in mod.imports:
        if imp.module == "__future__":
            continue
        names.append(("." * imp.level) + (imp.module or imp.name))
    return list(dict.fromkeys(names))


def _imported_names(mod: ModuleInfo, cat: Catalog) -> list[str]:
    """Imported names quoted and grouped by source module, in order (``module.import_from``)."""
    groups: dict[str, list[str]] = {}
    for imp in mod.imports:
        if imp.module == "__future__":
            continue
        if imp.module is None and imp.level == 0:
            groups.setdefault(imp.name, [])
        else:
            source = ("." * imp.level) + (imp.module or "")
            groups.setdefault(source, []).append(imp.name)
    out: list[str] = []
    for source, names in groups.items():
        if not names:
            out.append(code(source))
        else:
            quoted = join_list(cat, [code(n) for n in names])
            out.append(cat.t("module.import_from", names=quoted, module=code(source)))
    return out


def _join_groups(cat: Catalog, items: list[str]) -> str:
    """Join import groups, with ``word.also`` before the last when a group holds ``word.and``."""
    if len(items) > 1 and any(f" {cat.t('word.and')} " in item for item in items):
        return ", ".join(items[:-1]) + cat.t("word.also") + items[-1]
    return join_list(cat, items)
