"""The module part of the offline writer: a module's title, overview, details, usage steps
and usage example, from its docstring, imports, definitions and module-level code."""

from __future__ import annotations

import re

from docgen.i18n import Catalog
from docgen.markup import DATA_KINDS, data_summary, one_line
from docgen.model import (
    ClassInfo,
    Example,
    FlowKind,
    FlowNode,
    FunctionInfo,
    ModuleDoc,
    ModuleInfo,
    ParamKind,
)
from docgen.write.offline.docstrings import parse_docstring, plain_text
from docgen.write.offline.examples import (
    class_example,
    example_or_none,
    function_example,
    is_exception,
    module_example,
    public_api,
)
from docgen.write.offline.phrases import FlowPhraser, code, foreign, join_list, sentence

__all__ = ["MAX_ENTRIES", "ModuleDocs"]

MAX_ENTRIES = 6  # public entries a usage note may choose its example among


class ModuleDocs:
    """Module docs for :class:`~docgen.write.offline.writer.OfflineWriter`, which mixes this in
    (it sets ``catalog`` and ``flow``)."""

    catalog: Catalog
    flow: FlowPhraser

    def module(self, mod: ModuleInfo) -> ModuleDoc:
        cat = self.catalog
        doc = parse_docstring(mod.docstring)
        name = code(mod.name)
        title = doc.summary.rstrip(".") if doc.summary else cat.t("module.title", name=name)
        overview = (
            foreign(self.catalog, sentence(doc.summary))
            if doc.summary
            else self._module_overview(mod)
        )
        details = doc.description or self._module_details(mod)
        entry = ""
        if mod.main_block is not None:
            body = self._entry_body(mod.main_block.flow)
            runs_as = mod.name.removesuffix(".__main__")  # a package's __main__: python -m pkg
            entry = cat.t("module.entry_point", command=code(f"python -m {runs_as}"), body=body)
        entries = self._entries(mod)
        return ModuleDoc(
            title=title,
            overview=overview,
            details=details,
            steps=self._usage_steps(mod),
            usage_example=entries[0][1] if entries else self._usage_example(mod),
            entry_point=entry,
            entries=entries,
        )

    def _entries(self, mod: ModuleInfo) -> tuple[tuple[str, Example], ...]:
        """Examples of a library's first public entries (exceptions aside), when there are
        two or more to choose from: the page shows the first until the graph says which one
        other modules use most."""
        if mod.main_block is not None or mod.is_script or data_summary(mod):
            return ()
        out = []
        for unit in [u for u in public_api(mod) if not is_exception(u)][:MAX_ENTRIES]:
            built = function_example(unit, mod) if isinstance(unit, FunctionInfo) else (
                class_example(unit, mod))  # fmt: skip
            example = example_or_none(built)
            if example is not None:
                out.append((unit.qualname, example))
        return tuple(out) if len(out) > 1 else ()

    def _usage_example(self, mod: ModuleInfo) -> Example | None:
        """How to use the module: an entry point is run (``python -m pkg.mod``; a package's
        ``__main__`` runs as ``python -m pkg``), anything else is imported and called."""
        if mod.main_block is not None:
            runs_as = mod.name.removesuffix(".__main__")
            return Example(f"python -m {runs_as}", lang="bash")
        return example_or_none(module_example(mod))

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
        if not mod.is_script:
            return self._library_steps(mod)
        return self._script_steps(mod)

    def _library_steps(self, mod: ModuleInfo) -> tuple[str, ...]:
        """A library's steps say how to use it: import its public entries, call or create the
        first of them (each with the first sentence of its docstring, quoted), run its entry
        point; no step about its own imports or definitions."""
        cat = self.catalog
        steps: list[str] = []

        def add(title_key: str, text: str) -> None:
            steps.append(f"{cat.t(title_key)}: {sentence(text)}")

        api = public_api(mod)
        if api:
            names = join_list(cat, [code(u.name) for u in api[:12]])
            add(
                "step_title.import_api",
                cat.t("clause.import_api", module=code(mod.name), names=names),
            )
        for group in self.flow._groups(mod.statements):
            setup = [node for node in group if _is_setup(node)]  # what the import runs
            if setup:
                key = _STEP_TITLES.get(setup[0].kind, "step_title.statements")
                add(key, self.flow._group_clause(setup, deep=True))
        for unit in [u for u in api if not is_exception(u)][:3]:  # exceptions are caught
            call = code(call_form(unit), 70)
            key = "clause.create_api" if isinstance(unit, ClassInfo) else "clause.call_api"
            text = cat.t(key, call=call)
            summary = parse_docstring(unit.docstring).summary if unit.docstring else ""
            if summary:  # quoted as written (often English); the sentence's period follows »
                quoted = one_line(plain_text(summary).replace("``", "`"), 120).rstrip(".")
                text += cat.t("clause.quoted_summary", text=quoted)
            add("step_title.create" if isinstance(unit, ClassInfo) else "step_title.call", text)
        if mod.main_block is not None:
            add(
                "step_title.entry_point",
                cat.t("clause.main_block", body=self._entry_body(mod.main_block.flow)),
            )
        return tuple(steps)

    def _entry_body(self, flow: tuple[FlowNode, ...]) -> str:
        """What the ``__main__`` block does: a block of one ``if``, ``try`` or ``with`` (the
        usual "no arguments: this, else that") with its branches, not only its condition."""
        groups = self.flow._groups(flow)
        if len(groups) == 1 and groups[0][0].kind is not FlowKind.STATEMENT:
            return self.flow.clause(groups[0][0], deep=True)
        return self.flow.brief(flow)

    def _script_steps(self, mod: ModuleInfo) -> tuple[str, ...]:
        cat = self.catalog
        steps: list[str] = []

        def add(title_key: str, text: str) -> None:
            steps.append(f"{cat.t(title_key)}: {sentence(text)}")

        imported = _imported_names(mod, cat)
        if imported:
            add("step_title.imports", cat.t("module.imports", names=_join_groups(cat, imported)))
        data = data_summary(mod)
        if data:  # a table of data: what it defines, not its text
            add("data.title", cat.t("data.defines", items=join_list(cat, [
                _data_item(cat, name, kind, size) for name, kind, size in data
            ])))  # fmt: skip
            return tuple(steps)
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
                cat.t("clause.main_block", body=self._entry_body(mod.main_block.flow)),
            )
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


_ATTRIBUTE_SET = re.compile(r"^[A-Za-z_][\w.]*\.\w+\s*(=|\+=)")
# an assignment to a name of the module's own that it keeps private ("_cache = {}",
# "__all__ = [...]", "_pattern: Pattern = re.compile(...)"): a detail, not what importing it does
_PRIVATE_NAME_SET = re.compile(r"^_\w*\s*(?::[^=]+)?=(?!=)")


def _is_setup(node: FlowNode) -> bool:
    """A module-level statement a user of the module should know about: it calls something,
    sets an attribute of another object (``openai.api_key = ...``) or is compound (an ``if``,
    a ``try``); plain constants, ``__all__`` and the module's private names are not."""
    if node.kind is not FlowKind.STATEMENT:
        return True
    if _PRIVATE_NAME_SET.match(node.label):
        return False
    return bool(node.calls) or bool(_ATTRIBUTE_SET.match(node.label))


def call_form(unit: FunctionInfo | ClassInfo) -> str:
    """How a call of ``unit`` starts: its required parameters by name (``fetch(url, path)``);
    a class shows its ``__init__``'s."""
    fn = unit
    if isinstance(unit, ClassInfo):
        fn = next((m for m in unit.methods if m.name == "__init__"), None)  # type: ignore[assignment]
    params = []
    if isinstance(fn, FunctionInfo):
        for p in fn.call_params:
            if p.default is None and p.kind in (
                ParamKind.POSITIONAL_ONLY,
                ParamKind.POSITIONAL_OR_KEYWORD,
            ):
                params.append(p.name)
            elif p.default is None and p.kind is ParamKind.KEYWORD_ONLY:
                params.append(f"{p.name}=...")
    return f"{unit.name}({', '.join(params)})"


def _data_item(cat: Catalog, name: str, kind: str, size: int) -> str:
    word = cat.t(f"data.{kind if kind in DATA_KINDS else 'other'}")
    if size < 0:
        return cat.t("data.item_bare", name=code(name), kind=word)
    counted = cat.plural(size, "data.chars" if kind in ("str", "bytes") else "data.items")
    return cat.t("data.item", name=code(name), kind=word, size=counted)
