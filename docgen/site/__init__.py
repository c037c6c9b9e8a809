"""The site stage: rendered pages on disk as an MkDocs site.

:mod:`~docgen.site.paths` decides where each page lives, :mod:`~docgen.site.writer` writes pages
as they come and finishes with the manifest and ``mkdocs.yml``, :mod:`~docgen.site.manifest` is
the manifest's only reader and writer, :mod:`~docgen.site.mkdocs` builds the nav, creates or
updates ``mkdocs.yml`` and runs ``mkdocs build``.
"""

from docgen.site.manifest import MANIFEST_NAME, read_manifest
from docgen.site.mkdocs import build_nav, build_site, load_yaml, replace_nav
from docgen.site.paths import (
    HOME_PAGE,
    LLMS_FULL,
    LLMS_TXT,
    MERMAID_SCRIPT,
    QUALITY_PAGE,
    TABLESORT_SCRIPT,
    page_path,
)
from docgen.site.writer import SiteResult, SiteWriter

__all__ = [
    "HOME_PAGE",
    "LLMS_FULL",
    "LLMS_TXT",
    "MANIFEST_NAME",
    "MERMAID_SCRIPT",
    "QUALITY_PAGE",
    "TABLESORT_SCRIPT",
    "SiteResult",
    "SiteWriter",
    "build_nav",
    "build_site",
    "load_yaml",
    "page_path",
    "read_manifest",
    "replace_nav",
]
