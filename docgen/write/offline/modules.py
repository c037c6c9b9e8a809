"""The module part of the offline writer: a module's title, overview, details, usage steps
and usage example, from its docstring, imports, definitions and module-level code."""

from __future__ import annotations

from docgen.i18n import Catalog
from docgen.model import FlowKind, ModuleDoc, ModuleInfo
from docgen.write.offline.docstrings import parse_docstring
from docgen.write.offline.examples import example_or_none, module_example
from docgen.write.offline.phrases import FlowPhraser, code, join_list, sentence

__all__ = ["ModuleDocs"]


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
        overview = sentence(doc.summary) if doc.summary else self._module_overview(mod)
        details = doc.description or self._module_details(mod)
        entry = ""
        if mod.main_block is not None:
            body = self.flow.brief(mod.main_block.flow)
            runs_as = mod.name.removesuffix(".__main__")  # a package's __main__: python -m pkg
            entry = cat.t("module.entry_point", command=code(f"python -m {runs_as}"), body=body)
        return ModuleDoc(
            title=title,
            overview=overview,
            details=details,
            steps=self._usage_steps(mod),
            usage_example=example_or_none(module_example(mod)),
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
