"""docgen's exceptions. They are for whole-run failures only; a unit's failure is a value.

DocgenError            any error that ends a run with a clear one-line message
├── ConfigError        bad flags, environment or [tool.docgen]
├── InputError         a missing path or one that is not Python
└── SiteError          the output directory or mkdocs.yml cannot be written or read
"""

from __future__ import annotations


class DocgenError(Exception):
    """Base class: ``str(err)`` is the one line shown to the user (``path:line: reason``)."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None):
        self.path = path
        self.line = line
        self.reason = message
        where = f"{path}:{line}: " if path and line else (f"{path}: " if path else "")
        super().__init__(f"{where}{message}")


class ConfigError(DocgenError):
    """The configuration is invalid."""


class InputError(DocgenError):
    """An input path cannot be used."""


class SiteError(DocgenError):
    """The site cannot be written."""
