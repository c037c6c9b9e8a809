"""``plugins: [docgen]``: document the configured paths while ``mkdocs build`` or ``serve`` runs.

The plugin runs the same pipeline as the CLI, with the same cache, into MkDocs' ``docs_dir``,
before MkDocs collects the files; it never writes ``mkdocs.yml``: when that has no ``nav:`` the
plugin gives MkDocs the nav docgen built. Under ``mkdocs serve`` the documented paths are
watched, and a rebuild after editing one file re-documents that file only (the rest is
unchanged, so the cache and the manifest make it free). Options mirror ``[tool.docgen]`` (which
is read too, from the ``pyproject.toml`` beside ``mkdocs.yml``); the offline writer is used
unless an endpoint is configured::

    plugins:
      - search
      - docgen:
          paths: [src]
          lang: ru
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin

from docgen.config import build_config
from docgen.errors import DocgenError
from docgen.site.mkdocs import FENCE_MARK, PAGE_EXTENSIONS, SLUGIFY_MARK
from docgen.site.paths import TABLESORT_LIBRARY, TABLESORT_SCRIPT
from docgen.ui.report import RunReport

__all__ = ["DocgenPlugin"]

log = logging.getLogger("mkdocs.plugins.docgen")


class DocgenPluginConfig(base.Config):
    paths = c.ListOfItems(c.Type(str), default=[])
    lang = c.Optional(c.Choice(("ru", "en")))
    templates = c.Optional(c.Type(str))
    exclude = c.ListOfItems(c.Type(str), default=[])
    cache_dir = c.Optional(c.Type(str))
    endpoint = c.Optional(c.Type(str))
    base_url = c.Optional(c.Type(str))
    model = c.Optional(c.Type(str))
    api_key_env = c.Optional(c.Type(str))
    concurrency = c.Optional(c.Type(int))
    timeout = c.Optional(c.Type((int, float)))
    max_attempts = c.Optional(c.Type(int))
    jobs = c.Optional(c.Type(int))
    page_budget = c.Optional(c.Type(int))
    quality_page = c.Optional(c.Type(bool))
    llms_txt = c.Optional(c.Type(bool))
    diagrams = c.Optional(c.Choice(("mermaid", "text")))


class DocgenPlugin(BasePlugin[DocgenPluginConfig]):
    """Runs docgen's pipeline into ``docs_dir`` (see the module docstring)."""

    report: RunReport | None = None

    def _root(self, config: Any) -> Path:
        path = config.config_file_path
        return Path(path).resolve().parent if path else Path.cwd()

    def _paths(self, config: Any) -> list[str]:
        root = self._root(config)
        return [str((root / p).resolve()) for p in self.config.paths]

    def on_config(self, config: Any) -> Any:
        from docgen import pipeline
        from docgen.ui.console import Console

        root = self._root(config)
        flags: dict[str, Any] = {
            k: v for k, v in dict(self.config).items() if v is not None and v != []
        }
        flags["paths"] = self._paths(config)
        for key in ("cache_dir", "templates"):
            if key in flags:
                flags[key] = str((root / flags[key]).resolve())
        flags.setdefault("cache_dir", str(root / ".docgen"))
        if not flags["paths"]:
            raise PluginError(
                "docgen: give the paths to document: plugins: [docgen: {paths: [src]}]"
            )
        try:
            docgen_config = build_config(flags, cwd=root).with_(
                out=config.docs_dir, mkdocs_yml="", site_name=config.site_name or ""
            )
            report = pipeline.run(docgen_config, console=Console(verbosity=-1))
        except DocgenError as exc:
            raise PluginError(f"docgen: {exc}") from None
        self.report = report
        summary = report.summary()
        log.info(
            "docgen: %d modules documented, %d unchanged; %d pages written",
            summary["modules"],
            summary["modules_unchanged"],
            summary["pages_written"],
        )
        for failure in summary["failures"][:5]:
            log.warning("docgen: %s: %s", failure["uid"], failure["reason"])
        if config.nav is None and report.nav:
            config.nav = list(report.nav)
        _extensions(config)
        if docgen_config.quality_page:  # the quality page's tables sort with these scripts
            for script in (TABLESORT_LIBRARY, TABLESORT_SCRIPT):
                if script not in config.extra_javascript:
                    config.extra_javascript.append(script)
        return config

    def on_serve(self, server: Any, *, config: Any, builder: Any) -> Any:
        for path in self._paths(config):
            if os.path.exists(path):
                server.watch(path)
        return server


def _extensions(config: Any) -> None:
    """Add the Markdown extensions docgen's pages are written for, where the user's
    ``mkdocs.yml`` lacks them (their own settings win)."""
    from pymdownx.slugs import slugify

    for name, options in PAGE_EXTENSIONS.items():
        if name not in config.markdown_extensions:
            config.markdown_extensions.append(name)
        if options and name not in config.mdx_configs:
            config.mdx_configs[name] = _real(options, slugify(case="lower"))


def _real(value: Any, slugify: Any) -> Any:
    """``value`` with docgen's marks replaced by the callables they stand for."""
    from pymdownx.superfences import fence_code_format

    if value == SLUGIFY_MARK:
        return slugify
    if value == FENCE_MARK:
        return fence_code_format
    if isinstance(value, dict):
        return {k: _real(v, slugify) for k, v in value.items()}
    if isinstance(value, list):
        return [_real(v, slugify) for v in value]
    return value
