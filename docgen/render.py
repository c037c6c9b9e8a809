"""The render stage: extracted records plus written docs in, Markdown pages out, through Jinja2.

Each :class:`Renderer` builds its own Jinja environment (no module-global state). Templates are
looked up on a search path: the user's ``--templates`` directory first, then docgen's defaults,
which are also reachable under a ``default/`` prefix so a user file can
``{% extends "default/reference.md.j2" %}`` and replace a single ``{% block %}``. The message
catalog (``t`` and ``tn``) supplies every word; ``StrictUndefined`` makes a misspelt variable fail
loudly; autoescape is off because the output is Markdown, and the filters in
:mod:`docgen.render_helpers` keep text from code and writers literal.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import jinja2

from docgen.errors import ConfigError
from docgen.i18n import Catalog, load_catalog
from docgen.model import Doc, FunctionInfo, ModuleInfo, ParamKind
from docgen.render_helpers import (
    escape_prose,
    fenced,
    flow_rows,
    inline_code,
    link_target,
    oneline,
    py_string_body,
    signature,
    split_step,
)
from docgen.resources import templates_dir

__all__ = ["Renderer", "default_links", "tidy"]

REFERENCE = "reference.md.j2"
USAGE = "usage.md.j2"
HOME = "home.md.j2"


class Renderer:
    """Renders the reference page, the usage note and the home page of a site."""

    def __init__(
        self,
        *,
        lang: str = "ru",
        user_templates: str | None = None,
        catalog: Catalog | None = None,
    ):
        self.lang = lang
        extra = [user_templates] if user_templates else []
        self.catalog = catalog or load_catalog(lang, extra)
        self.env = self._environment(user_templates)

    def _environment(self, user_templates: str | None) -> jinja2.Environment:
        defaults = jinja2.FileSystemLoader(str(templates_dir()))
        loaders: list[jinja2.BaseLoader] = []
        if user_templates:
            if not Path(user_templates).is_dir():
                raise ConfigError("templates directory not found", path=user_templates)
            loaders.append(jinja2.FileSystemLoader(user_templates))
        loaders += [jinja2.PrefixLoader({"default": defaults}), defaults]
        env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,  # templates do not change during a run: no stat per page
        )
        env.filters.update(
            md=escape_prose,
            code=inline_code,
            fence=fenced,
            oneline=oneline,
            pystr=py_string_body,
            signature=signature,
            split_step=split_step,
            link=link_target,
        )
        env.globals.update(
            t=self.catalog.t,
            tn=self.catalog.plural,
            annotation_of=annotation_of,
            display_name=display_name,
            class_header=class_header,
            flow_rows=flow_rows,
        )
        return env

    # ------------------------------------------------------------------------------ pages

    def reference(self, module: ModuleInfo, docs: Mapping[str, Doc]) -> str:
        return self._render(
            REFERENCE, module=module, docs=dict(docs), headings=function_headings(module, self)
        )

    def usage(self, module: ModuleInfo, docs: Mapping[str, Doc]) -> str:
        return self._render(USAGE, module=module, docs=dict(docs))

    def home(
        self,
        modules: Sequence[ModuleInfo],
        *,
        site_name: str,
        links: Mapping[str, tuple[str, str]] | None = None,
        docs: Mapping[str, Doc] | None = None,
    ) -> str:
        """``links`` maps a module name to its (reference, usage) page paths, relative to the
        home page; by default ``reference/<pkg>/<mod>.md`` and ``usage/<pkg>/<mod>.md``."""
        links = dict(links) if links is not None else default_links(modules)
        return self._render(
            HOME,
            modules=sorted(modules, key=lambda m: m.name),
            site_name=site_name,
            links=links,
            docs=dict(docs or {}),
        )

    def nav_titles(self) -> dict[str, str]:
        """The words the site stage puts in mkdocs.yml: nav sections and the palette toggle."""
        keys = ("name", "home", "reference", "usage", "palette_dark", "palette_light")
        return {key: self.catalog.t(f"site.{key}") for key in keys}

    def _render(self, name: str, **context: object) -> str:
        return tidy(self.env.get_template(name).render(**context))


# ---------------------------------------------------------------------------------- helpers


def default_links(modules: Sequence[ModuleInfo]) -> dict[str, tuple[str, str]]:
    out = {}
    for mod in modules:
        path = mod.name.replace(".", "/") + ".md"
        out[mod.name] = (f"reference/{path}", f"usage/{path}")
    return out


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


def class_header(cls) -> str:
    """The ``class`` line of a class, decorators above it."""
    bases = f"({', '.join(cls.bases)})" if cls.bases else ""
    lines = [f"@{d}" for d in cls.decorators]
    lines.append(f"class {cls.name}{cls.type_params or ''}{bases}:")
    return "\n".join(lines)


def function_headings(module: ModuleInfo, renderer: Renderer) -> dict[str, str]:
    """uid -> heading text for every function and method, distinct within the page:
    property accessors and overloads get a suffix, and any remaining clash a number."""
    t = renderer.catalog.t
    out: dict[str, str] = {}
    seen: dict[str, int] = {}
    overloads: dict[str, int] = {}
    for fn in module.all_functions():
        text = inline_code(fn.qualname)
        if fn.property_role and fn.property_role != "getter":
            text += " " + t(f"ref.variant.{fn.property_role}")
        elif fn.property_role == "getter" and any(
            f.qualname == fn.qualname and f.property_role != "getter"
            for f in module.all_functions()
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


_FENCE = re.compile(r"^(`{3,}|~{3,})")


def tidy(markdown: str) -> str:
    """Collapse runs of blank lines and strip trailing spaces outside fenced blocks; end with one
    newline. Fenced content is left byte for byte."""
    out: list[str] = []
    keep = out.append
    fence = ""
    blank = 0
    for line in markdown.splitlines():
        if fence:
            keep(line)
            if fence in line and line.strip() == fence:
                fence = ""
            continue
        if line.startswith(("```", "~~~")):  # cheap test before the regex
            fence = _FENCE.match(line).group(1)
            blank = 0
            keep(line.rstrip())
            continue
        text = line.rstrip()
        if not text:
            blank += 1
            if blank == 1 and out:
                keep("")
            continue
        blank = 0
        keep(text)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"
