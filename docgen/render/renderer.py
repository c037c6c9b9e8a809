"""The render stage: extracted records plus written docs in, Markdown pages out, through Jinja2.

Each :class:`Renderer` builds its own Jinja environment (:func:`docgen.resources.environment`):
the user's ``--templates`` directory first, then docgen's defaults, also reachable under a
``default/`` prefix so a user file can ``{% extends "default/reference.md.j2" %}`` and replace a
single ``{% block %}``. The message catalog (``t`` and ``tn``) supplies every word; the filters
of :mod:`docgen.render.markdown` keep text from code and writers literal.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
import textwrap
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from docgen.errors import ConfigError
from docgen.extract.graph import ProjectGraph
from docgen.i18n import Catalog, load_catalog
from docgen.markup import DATA_KINDS, data_summary, inline_code, one_line, signature
from docgen.model import (
    ClassInfo,
    Doc,
    FunctionDoc,
    FunctionInfo,
    Listed,
    ModuleDoc,
    ModuleInfo,
    Page,
    PageKind,
    ParamKind,
    Unit,
    Written,
)
from docgen.render import budget, quality
from docgen.render.diagrams import flowchart, module_graph
from docgen.render.links import ENTRY_MARKS, graph_mark
from docgen.render.markdown import (
    code_span,
    escape_prose,
    fenced,
    flow_rows,
    link_target,
    py_string_body,
    split_step,
    tidy,
)
from docgen.resources import environment, render, templates_dir
from docgen.ui.quality import QualityReport
from docgen.write.offline.docstrings import plain_text

__all__ = ["Renderer", "function_headings"]

REFERENCE = "reference.md.j2"
USAGE = "usage.md.j2"
HOME = "home.md.j2"
QUALITY = "quality.md.j2"
LLMS = "llms.txt.j2"
SUBTREE = "subtree.md.j2"
SUBTREE_MARK = "<!-- docgen: the modules of this package -->"  # where the listing starts


class Renderer:
    """Renders the reference page, the usage note and the home page of a site."""

    def __init__(
        self,
        *,
        lang: str = "ru",
        user_templates: str | None = None,
        page_budget: int = 0,
        diagrams: str = "mermaid",
    ):
        """``page_budget``: the largest page in KB (0: no limit); a bigger one is shortened
        (:mod:`docgen.render.budget`). ``diagrams``: "mermaid" flowcharts or "text" trees."""
        if user_templates and not Path(user_templates).is_dir():
            raise ConfigError("templates directory not found", path=user_templates)
        self.lang = lang
        self.page_budget = page_budget
        self.diagrams = diagrams
        self.catalog: Catalog = load_catalog(lang, [user_templates] if user_templates else [])
        user = Path(user_templates) if user_templates else None
        self.env = environment(templates_dir(), user, keep_trailing_newline=True)
        self.env.filters.update(
            md=escape_prose,
            code=code_span,
            fence=fenced,
            oneline=one_line,
            pystr=py_string_body,
            signature=signature,
            split_step=split_step,
            link=link_target,
            page_url=page_url,
            dedent=lambda text: textwrap.dedent(str(text)),
        )
        self.env.globals.update(
            t=self.catalog.t,
            tn=self.catalog.plural,
            annotation_of=annotation_of,
            display_name=display_name,
            class_header=class_header,
            flow_rows=flow_rows,
            graph_mark=graph_mark,
            entry_marks=ENTRY_MARKS,
            data_summary=data_summary,
            data_kind=lambda kind: self.catalog.t(
                f"data.{kind if kind in DATA_KINDS else 'other'}"
            ),
            data_excerpt=lambda source: data_excerpt(source, self.catalog),
            mermaid=lambda nodes: flowchart(nodes, self.catalog.t),
            diagrams=diagrams,
        )

    # ------------------------------------------------------------------------------ pages

    def reference(self, module: ModuleInfo, docs: Mapping[str, Doc], pair: str = "") -> str:
        """The reference page; ``pair``: the usage note's path relative to it."""
        return self._bounded(REFERENCE, module, docs, pair)

    def usage(self, module: ModuleInfo, docs: Mapping[str, Doc], pair: str = "") -> str:
        """The usage note; ``pair``: the reference page's path relative to it."""
        return self._bounded(USAGE, module, docs, pair)

    def _page(
        self, name: str, module: ModuleInfo, docs: Mapping[str, Doc], shortened, pair: str
    ) -> str:
        headings = function_headings(module, self.catalog) if name == REFERENCE else {}
        anchors = function_anchors(module) if name == REFERENCE else {}
        return self._render(name, module=module, docs=docs, headings=headings, anchors=anchors,
                            shortened=shortened, pair=pair)  # fmt: skip

    def _bounded(self, name: str, module: ModuleInfo, docs: Mapping[str, Doc], pair: str) -> str:
        """The page, shortened when it is over the budget: compact first, then cut to a share
        of its definitions, estimated from the size of the compact page (a few tries)."""
        text = self._page(name, module, docs, None, pair)
        limit = self.page_budget * 1024
        if not limit or len(text.encode("utf-8")) <= limit:
            return text
        small, small_docs = budget.compact(module, docs)
        total = budget.definitions(module)
        shortened = {"budget": self.page_budget, "omitted": 0, "total": total}
        text = self._page(name, small, small_docs, shortened, pair)
        share = 1.0
        for _ in range(6):
            size = len(text.encode("utf-8"))
            if size <= limit or share < 1e-6:
                break
            share *= 0.9 * limit / size
            cut, omitted = budget.cut(small, share)
            text = self._page(name, cut, small_docs, {**shortened, "omitted": omitted}, pair)
        return text

    def docstring(self, unit: Unit, doc: Doc) -> str:
        """The Google-style docstring docgen composes for ``unit``, as a Python literal at
        column 0 (the text the reference page shows as «Предлагаемый docstring»)."""
        if isinstance(unit, FunctionInfo) and isinstance(doc, FunctionDoc):
            macro = self.env.get_template("macros.md.j2").module.pydoc  # type: ignore[attr-defined]
            return textwrap.dedent(str(macro(unit, doc))).strip()
        text = getattr(doc, "purpose", "") or getattr(doc, "overview", "")
        first = re.split(r"(?<=[.!?])\s", one_line(text), maxsplit=1)[0]
        return '"""' + py_string_body(first or getattr(doc, "title", "")) + '"""'

    def home(self, modules: Sequence[Listed], *, site_name: str) -> str:
        """The home page listing ``modules`` grouped by package (paths relative to the home
        page): each group is a package's own entry (None for top-level modules) and its
        direct submodules."""
        entries = sorted(modules, key=lambda m: m.name)
        return self._render(HOME, modules=entries, groups=group_by_package(entries),
                            site_name=site_name)  # fmt: skip

    def llms(self, modules: Sequence[Listed], *, site_name: str, full: str) -> str:
        """``llms.txt`` (the llmstxt.org format) for ``modules``, grouped as on the home page."""
        entries = sorted(modules, key=lambda m: m.name)
        return self._render(LLMS, groups=group_by_package(entries), site_name=site_name,
                            full=full)  # fmt: skip

    def with_subtree(
        self, page: Page, modules: Sequence[Listed], graph: ProjectGraph | None = None
    ) -> Page:
        """A package's reference ``page`` with the modules under it listed at its end (each
        linked, with its summary and counts; paths relative to the page)."""
        prefix = page.module + "."
        here = posixpath.dirname(page.rel_path)
        members = [
            dataclasses.replace(
                m,
                reference=posixpath.relpath(m.reference, here),
                usage=posixpath.relpath(m.usage, here),
            )
            for m in sorted(modules, key=lambda m: m.name)
            if m.name.startswith(prefix)
        ]
        if not members:
            return page
        chart, cut = "", 0
        if graph is not None and self.diagrams == "mermaid":
            names = [page.module, *(m.name for m in members)]
            imports = {n: graph.imports(n) for n in names}
            if any(imports.values()):
                chart, cut = module_graph(names, imports, short=lambda n: n)
        section = self._render(SUBTREE, package=page.module, modules=members, chart=chart, cut=cut)
        text = page.text.rstrip("\n") + "\n\n" + SUBTREE_MARK + "\n\n" + section
        return dataclasses.replace(page, text=text)

    @staticmethod
    def without_subtree(text: str) -> str:
        """A package page's text with the subtree listing :meth:`with_subtree` added cut off."""
        return text.split("\n" + SUBTREE_MARK, 1)[0].rstrip("\n") + "\n"

    def quality(self, report: QualityReport) -> str:
        """The site's documentation quality page (paths relative to the site's root)."""
        return self._render(QUALITY, report=report)

    def pages(self, written: Written, page_path: Callable[..., str]) -> tuple[Page, ...]:
        """The reference page and the usage note of one documented module (``written.pages``
        when they were rendered already, next to the parse). ``page_path(module, kind,
        is_package=...)`` is the site stage's rule for where each page lives."""
        if written.pages or written.module is None:
            return written.pages
        module, docs = written.module, written.docs
        module_doc = docs.get(module.uid)
        title = module_doc.title if isinstance(module_doc, ModuleDoc) else ""
        paths = {
            kind: page_path(module.name, kind, is_package=module.is_package)
            for kind in (PageKind.REFERENCE, PageKind.USAGE)
        }
        ref_path, usage_path = paths[PageKind.REFERENCE], paths[PageKind.USAGE]
        texts = {
            PageKind.REFERENCE: self.reference(module, docs, relative(usage_path, ref_path)),
            PageKind.USAGE: self.usage(module, docs, relative(ref_path, usage_path)),
        }
        headings = function_headings(module, self.catalog)
        figures = quality.measure(
            module, texts[PageKind.REFERENCE], texts[PageKind.USAGE], headings, self.catalog
        )
        sources = tuple(sorted(Counter(o.status for o in written.outcomes).items()))
        figures = dataclasses.replace(figures, sources=sources)
        summary = module_summary(module)
        counts = (len(module.all_classes()), len(module.all_functions()))
        return tuple(
            Page(
                kind,
                module.name,
                paths[kind],
                text,
                module.source_hash,
                title,
                written.complete,
                figures if kind is PageKind.REFERENCE else None,
                summary if kind is PageKind.REFERENCE else "",
                counts if kind is PageKind.REFERENCE else (0, 0),
            )
            for kind, text in texts.items()
        )

    def nav_titles(self) -> dict[str, str]:
        """The words the site stage puts in mkdocs.yml: nav sections and the palette toggle."""
        keys = ("name", "home", "quality", "reference", "usage", "palette_dark", "palette_light")
        return {key: self.catalog.t(f"site.{key}") for key in keys}

    def _render(self, name: str, **context: object) -> str:
        return tidy(render(self.env, name, context))


# ---------------------------------------------------------------------------------- helpers


def annotation_of(fn: FunctionInfo, name: str) -> str:
    """The annotation of parameter ``name`` of ``fn`` ("" when absent)."""
    for p in fn.params:
        if p.name == name:
            return p.annotation or ""
    return ""


def display_name(fn: FunctionInfo, name: str) -> str:
    """``args`` -> ``*args`` and ``kwargs`` -> ``**kwargs`` as the signature writes them."""
    for p in fn.params:
        if p.name == name:
            if p.kind is ParamKind.VAR_POSITIONAL:
                return "*" + name
            if p.kind is ParamKind.VAR_KEYWORD:
                return "**" + name
    return name


def class_header(cls: ClassInfo) -> str:
    """The ``class`` line of a class, decorators above it."""
    bases = f"({', '.join(cls.bases)})" if cls.bases else ""
    lines = [f"@{d}" for d in cls.decorators]
    lines.append(f"class {cls.name}{cls.type_params or ''}{bases}:")
    return "\n".join(lines)


EXCERPT_LINES = 15


def data_excerpt(source: str, catalog: Catalog) -> str:
    """The first lines of a data module, and a comment saying how many more there are."""
    lines = source.strip("\n").split("\n")
    if len(lines) <= EXCERPT_LINES:
        return "\n".join(lines)
    rest = len(lines) - EXCERPT_LINES
    return "\n".join([*lines[:EXCERPT_LINES], catalog.t("data.more", n=rest)])


def function_anchors(module: ModuleInfo) -> dict[str, str]:
    """uid -> the heading id of each function and method section: its qualname (the address
    cross-links use), with "-2", "-3"... for the later accessors and overloads sharing it."""
    out: dict[str, str] = {}
    seen: dict[str, int] = {}
    for fn in module.all_functions():
        seen[fn.qualname] = seen.get(fn.qualname, 0) + 1
        n = seen[fn.qualname]
        out[fn.uid] = fn.qualname if n == 1 else f"{fn.qualname}-{n}"
    return out


def relative(path: str, start: str) -> str:
    """``path`` relative to the page ``start`` (both under the site's root)."""
    return posixpath.relpath(path, posixpath.dirname(start) or ".")


def function_headings(module: ModuleInfo, catalog: Catalog) -> dict[str, str]:
    """uid -> heading text for every function and method, distinct within the page:
    property accessors and overloads get a suffix, and any remaining clash a number."""
    t = catalog.t
    out: dict[str, str] = {}
    seen: dict[str, int] = {}
    overloads: dict[str, int] = {}
    functions = module.all_functions()
    for fn in functions:
        text = inline_code(fn.qualname)
        if fn.property_role and fn.property_role != "getter":
            text += " " + t(f"ref.variant.{fn.property_role}")
        elif fn.property_role == "getter" and any(
            f.qualname == fn.qualname and f.property_role != "getter" for f in functions
        ):
            text += " " + t("ref.variant.getter")
        if fn.is_overload:
            overloads[fn.qualname] = overloads.get(fn.qualname, 0) + 1
            text += " " + t("ref.variant.overload", n=overloads[fn.qualname])
        seen[text] = seen.get(text, 0) + 1
        if seen[text] > 1:
            text += f" ({seen[text]})"
        out[fn.uid] = text
    return out


_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-ZА-ЯЁ`(\"«])")


def module_summary(module: ModuleInfo) -> str:
    """The first sentence of a module's docstring, as text (reST roles and literals as code
    spans, no trailing colon): "" without a docstring."""
    if not module.docstring:
        return ""
    paragraph = plain_text(module.docstring.strip()).split("\n\n", 1)[0]
    text = one_line(paragraph.replace("``", "`"))
    text = _SENTENCE.split(text, maxsplit=1)[0].strip()
    return text.rstrip(":").strip()


def group_by_package(entries: Sequence[Listed]) -> list[tuple[Listed | None, list[Listed]]]:
    """``entries`` (sorted by name) grouped under the nearest listed package above each."""
    by_name = {e.name: e for e in entries}
    groups: dict[str, list[Listed]] = {}
    for entry in entries:
        parent = entry.name.rpartition(".")[0]
        while parent and parent not in by_name:
            parent = parent.rpartition(".")[0]
        groups.setdefault(parent, []).append(entry)
    top = groups.pop("", [])
    out: list[tuple[Listed | None, list[Listed]]] = []
    loose = [e for e in top if e.name not in groups]
    if loose:
        out.append((None, loose))
    for name in sorted(groups):
        out.append((by_name[name], groups[name]))
    return out


def page_url(rel: str) -> str:
    """The address MkDocs serves a page at (directory URLs): ``a/b.md`` is ``a/b/``,
    ``a/index.md`` is ``a/``."""
    stem = rel.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        stem = stem.removesuffix("index").rstrip("/")
    return f"{stem}/" if stem else "./"
