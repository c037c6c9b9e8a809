"""The MkDocs side of the site: the ``nav:`` tree, a new ``mkdocs.yml``, the nav-only update of
an existing one (every other byte of the user's file stays), and ``docgen build``."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from docgen.errors import SiteError
from docgen.model import Page, PageKind
from docgen.site.paths import MERMAID_SCRIPT, SECTIONS, TABLESORT_LIBRARY, TABLESORT_SCRIPT

__all__ = ["build_nav", "build_site", "load_yaml", "plan_mkdocs_yml", "replace_nav"]

_DEFAULT_TITLES = {
    "home": "Home",
    "quality": "Documentation quality",
    "reference": "Reference",
    "usage": "Usage",
    "palette_dark": "Switch to dark mode",
    "palette_light": "Switch to light mode",
}


def build_nav(
    pages: Sequence[Page], titles: Mapping[str, str], extra: Sequence[str] = ()
) -> list[Any]:
    """The ``nav:`` value: Home, the user's own pages (``extra``, paths under the output folder,
    titled by their first heading or file name), then the reference and usage sections as
    package trees."""
    title = {**_DEFAULT_TITLES, **titles}
    nav: list[Any] = []
    home = sorted(p.rel_path for p in pages if p.kind is PageKind.HOME)
    if home:
        nav.append({title["home"]: home[0]})
    report = sorted(p.rel_path for p in pages if p.kind is PageKind.QUALITY)
    if report:
        nav.append({title["quality"]: report[0]})
    nav.extend(extra)
    for kind, key in SECTIONS.items():
        tree = _Node()
        for page in sorted((p for p in pages if p.kind is kind), key=lambda p: p.module):
            node = tree
            for part in page.module.split("."):
                node = node.children.setdefault(part, _Node())
            node.page = page.rel_path
        if tree.children:
            nav.append({title[key]: tree.entries()})
    return nav


class _Node:
    __slots__ = ("children", "page")

    def __init__(self) -> None:
        self.page: str | None = None
        self.children: dict[str, _Node] = {}

    def entries(self) -> list[Any]:
        """The nav entries below this node, each titled by its last name part: the package
        path is the nav's own hierarchy."""
        out: list[Any] = []
        for part in sorted(self.children):
            child = self.children[part]
            name = part
            if not child.children:
                out.append({name: child.page})
                continue
            section: list[Any] = []
            if child.page is not None:
                # a package page is its folder's index: listed first and untitled, as
                # navigation.indexes expects; a module page beside a folder keeps its title
                index = child.page.endswith("/index.md")
                section.append(child.page if index else {name: child.page})
            section.extend(child.entries())
            out.append({name: section})
        return out


# libyaml's emitter when PyYAML was built with it (its wheels are): the standard library's nav
# of 3,400 pages is written in 0.03 s instead of 0.14 s, the same text (and where the two differ,
# on strings no module path or title holds, such as a lone NEL, libyaml's reads back right)
_SafeDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _nav_text(nav: list[Any], newline: str = "\n") -> str:
    text = yaml.dump(
        {"nav": nav}, Dumper=_SafeDumper, allow_unicode=True, sort_keys=False,
        default_flow_style=False, width=4096,
    )  # fmt: skip
    return text.replace("\n", newline)


_NAV_KEY = re.compile(r"""^(?:nav|"nav"|'nav')[ \t]*:(?:[ \t]|$)""")
_TOP_LEVEL_ITEM = re.compile(r"^-(?:[ \t]|$)")


def replace_nav(text: str, nav: list[Any]) -> str:
    """``text`` with its top-level ``nav:`` block replaced (or one appended); nothing else moves.

    The block is the ``nav:`` line and every following line that is indented, a top-level
    ``- item``, blank or a comment, up to the next top-level key; blank and comment lines just
    before that key stay with it.
    """
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    block = _nav_text(nav, newline)
    start = next((i for i, line in enumerate(lines) if _NAV_KEY.match(line)), None)
    if start is None:
        if text and not text.endswith(("\n", "\r")):
            text += newline
        return text + block
    end = start + 1
    for i in range(start + 1, len(lines)):
        line = lines[i]
        stripped = line.strip()
        if not stripped or line.startswith("#"):
            continue
        if line[0] in " \t" or _TOP_LEVEL_ITEM.match(line):
            end = i + 1
            continue
        break
    return "".join(lines[:start]) + block + "".join(lines[end:])


# libyaml's parser when PyYAML was built with it (its wheels are): the mkdocs.yml of the
# standard library's site (a nav of 3,400 pages, 180 KB) reads in 0.04 s instead of 0.25-0.28 s,
# to the same data; a rerun reads it twice
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _TolerantLoader(_SafeLoader):  # type: ignore[misc,valid-type]
    """A safe loader that reads any unknown tag (``!!python/name:...``, ``!ENV``) as plain data."""


def _any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]


_TolerantLoader.add_multi_constructor("", _any_tag)


def load_yaml(text: str) -> Any:
    """Parse an mkdocs.yml, tolerating tags a safe loader does not know."""
    return yaml.load(text, Loader=_TolerantLoader)  # a SafeLoader subclass


SLUGIFY_MARK = "docgen-slugify"
FENCE_MARK = "docgen-fence-format"  # Material's Mermaid fences: superfences' fence_code_format
# The Markdown extensions docgen's pages are written for (the toc's slugify keeps Cyrillic
# anchors readable; the MkDocs plugin puts the real callable in its place).
PAGE_EXTENSIONS: dict[str, dict[str, Any]] = {
    "admonition": {},
    "attr_list": {},
    "toc": {"permalink": True, "slugify": SLUGIFY_MARK},
    "pymdownx.highlight": {"anchor_linenums": True},
    "pymdownx.inlinehilite": {},
    "pymdownx.superfences": {
        "custom_fences": [{"name": "mermaid", "class": "mermaid", "format": FENCE_MARK}]
    },
    "pymdownx.details": {},
}
# Unicode-aware heading anchors ("#как-работает-функция", not "#_1"), from pymdown-extensions,
# which mkdocs-material installs.
_SLUGIFY = "slugify: !!python/object/apply:pymdownx.slugs.slugify\n      kwds:\n        case: lower"
_FENCE = "format: !!python/name:pymdownx.superfences.fence_code_format"


def _new_mkdocs_yml(
    *,
    site_name: str,
    lang: str,
    docs_dir: str,
    nav: list[Any],
    titles: Mapping[str, str],
    mermaid_js: bool = False,
) -> str:
    title = {**_DEFAULT_TITLES, **titles}
    search_langs = [lang] if lang == "en" else [lang, "en"]
    config: dict[str, Any] = {"site_name": site_name or "Documentation"}
    if docs_dir != "docs":
        config["docs_dir"] = docs_dir
    config["theme"] = {
        "name": "material",
        "language": lang,
        "features": [
            "content.code.copy",
            "navigation.sections",
            "navigation.indexes",
            "navigation.prune",  # each page carries only its own branch of the nav
            "navigation.top",
        ],
        "palette": [
            {
                "media": "(prefers-color-scheme: light)",
                "scheme": "default",
                "toggle": {"icon": "material/brightness-7", "name": title["palette_dark"]},
            },
            {
                "media": "(prefers-color-scheme: dark)",
                "scheme": "slate",
                "toggle": {"icon": "material/brightness-4", "name": title["palette_light"]},
            },
        ],
    }
    config["plugins"] = [{"search": {"lang": search_langs}}]
    config["extra_javascript"] = [TABLESORT_LIBRARY, TABLESORT_SCRIPT]
    if mermaid_js:  # loaded before Material looks for Mermaid, so it never asks the CDN
        config["extra_javascript"].insert(0, MERMAID_SCRIPT)
    config["validation"] = {"links": {"anchors": "warn"}}  # --strict fails on a broken anchor
    config["markdown_extensions"] = [
        name if not options else {name: options} for name, options in PAGE_EXTENSIONS.items()
    ]
    head = "# Made by docgen. Later runs rewrite only the nav: key; edit the rest freely.\n"
    body = yaml.dump(
        config, Dumper=_SafeDumper, allow_unicode=True, sort_keys=False,
        default_flow_style=False, width=4096,
    )  # fmt: skip
    # A safe dumper cannot write the python tag MkDocs needs for a callable: put it in as text.
    body = body.replace(f"slugify: {SLUGIFY_MARK}", _SLUGIFY)
    body = body.replace(f"format: {FENCE_MARK}", _FENCE)
    return head + body + _nav_text(nav)


def plan_mkdocs_yml(
    path: str,
    *,
    site_name: str,
    lang: str,
    out_dir: str,
    nav: list[Any],
    titles: Mapping[str, str],
    mermaid: bool = True,
    mermaid_js: bool = False,
) -> tuple[str, bool, list[str]]:
    """The new text of mkdocs.yml, whether it is new, and warnings; nothing is written yet."""
    config_dir = os.path.dirname(os.path.abspath(path))
    docs_dir = os.path.relpath(os.path.abspath(out_dir), config_dir).replace(os.sep, "/")
    warnings: list[str] = []
    try:
        with open(path, "rb") as fh:
            old_bytes: bytes | None = fh.read()
    except FileNotFoundError:
        old_bytes = None
    except OSError as exc:
        raise SiteError(f"cannot read: {exc}", path=path) from exc
    if old_bytes is None:
        text = _new_mkdocs_yml(site_name=site_name, lang=lang, docs_dir=docs_dir, nav=nav,
                               titles=titles, mermaid_js=mermaid_js)  # fmt: skip
        return text, True, warnings
    try:
        old = old_bytes.decode("utf-8")
        before = load_yaml(old)
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SiteError(f"cannot parse: {exc}".splitlines()[0], path=path) from exc
    if not isinstance(before, dict):
        raise SiteError("not a mapping of settings", path=path)
    new = replace_nav(old, nav)
    try:
        after = load_yaml(new)
    except yaml.YAMLError as exc:
        raise SiteError("cannot replace the nav: key safely", path=path) from exc
    if (
        not isinstance(after, dict)
        or after.get("nav") != nav
        or {k: v for k, v in after.items() if k != "nav"}
        != {k: v for k, v in before.items() if k != "nav"}
    ):
        raise SiteError("cannot replace the nav: key safely", path=path)
    configured = os.path.normpath(os.path.join(config_dir, str(after.get("docs_dir", "docs"))))
    if configured != os.path.normpath(os.path.abspath(out_dir)):
        warnings.append(
            f"{path}: docs_dir is {after.get('docs_dir', 'docs')!r} but pages are written to"
            f" {docs_dir!r}"
        )
    if mermaid and not _has_mermaid_fence(after):
        warnings.append(
            f"{path}: pymdownx.superfences has no mermaid custom fence, so diagrams show as"
            " code (add it, or use --diagrams text)"
        )
    return new, False, warnings


def _has_mermaid_fence(config: dict) -> bool:
    for item in config.get("markdown_extensions") or ():
        if isinstance(item, dict) and "pymdownx.superfences" in item:
            fences = (item["pymdownx.superfences"] or {}).get("custom_fences") or ()
            return any(isinstance(f, dict) and f.get("name") == "mermaid" for f in fences)
    return False


def build_site(mkdocs_yml: str, *, strict: bool = True, engine: str = "mkdocs") -> int:
    """Build the site of ``mkdocs_yml`` with ``engine``: ``mkdocs build`` (Material for MkDocs),
    or ``zensical build``, which reads the same ``mkdocs.yml``. The engine's output streams
    through; returns its exit code."""
    if engine == "zensical":
        command = [sys.executable, "-m", "zensical", "build", "-f", mkdocs_yml]
        if importlib.util.find_spec("zensical") is None:
            raise SiteError("zensical is not installed: pip install zensical", path=mkdocs_yml)
    else:
        command = [sys.executable, "-m", "mkdocs", "build", "-f", mkdocs_yml]
    if strict:
        command.insert(4, "--strict")
    try:
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
        return subprocess.run(command, check=False, env=env).returncode
    except OSError as exc:
        raise SiteError(f"cannot run mkdocs: {exc}", path=mkdocs_yml) from exc
