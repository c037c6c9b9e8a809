"""docgen's exceptions: one tree, every error a user can cause is a :class:`DocgenError`.

DocgenError            ``str(err)`` is the one line shown to the user (``path:line: reason``)
├── ConfigError        bad flags, environment, pyproject.toml or [tool.docgen]
├── InputError         a missing path, one that is not Python, a git ref that does not exist
├── TemplateError      a user template or message catalog that cannot be read or rendered
│   └── CatalogError   a message key, plural form or placeholder missing, or bad TOML
├── SiteError          the output folder, the manifest or mkdocs.yml cannot be read or written
├── ExtractError       one file cannot be extracted (a value in the report, never a crash)
├── AnswerError        one model answer holds no usable JSON (the unit is re-asked)
├── SerializeError     a stored doc is not in the expected shape (a cache miss)
└── TransportError     every attempt at a request failed (the unit shows offline content)
    └── BudgetError    the run's spending cap was reached before the request

Whole-run errors (config, input, template, site) end the run with their line on stderr and exit
code 1; the others are caught where they arise and become values: a unit's failure, a file's
problem, a cache miss.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from docgen.model import Problem, Usage


class DocgenError(Exception):
    """Base class: ``str(err)`` is the one line shown to the user (``path:line: reason``)."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None):
        self.path = path
        self.line = line
        self.reason = message
        where = f"{path}:{line}: " if path and line else (f"{path}: " if path else "")
        super().__init__(f"{where}{message}")

    def __reduce__(self):  # picklable across the process pool, keeping path and line
        return _rebuild, (type(self), self.reason, self.path, self.line)


def _rebuild(cls: type[DocgenError], reason: str, path: str | None, line: int | None):
    return cls(reason, path=path, line=line)


class ConfigError(DocgenError):
    """The configuration is invalid."""


class InputError(DocgenError):
    """An input path (or git ref) cannot be used."""


class TemplateError(DocgenError):
    """A template or a message catalog cannot be read or rendered."""


class CatalogError(TemplateError):
    """A message key, a plural form or a placeholder is missing, or a catalog file is invalid."""


class SiteError(DocgenError):
    """The site cannot be written (or its manifest or mkdocs.yml read)."""


class ExtractError(DocgenError):
    """A file that cannot be extracted; ``problem`` says where and why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.reason, path=problem.path, line=problem.line)
        self.problem = problem

    def __reduce__(self):
        return type(self), (self.problem,)


class AnswerError(DocgenError):
    """A model answer that holds no usable JSON object."""


class SerializeError(DocgenError):
    """The data is not a doc in the expected shape."""


class TransportError(DocgenError):
    """Every attempt failed; ``reason`` is the last failure, scrubbed of keys, and ``usage``
    what the attempts cost."""

    def __init__(self, reason: str, usage: Usage) -> None:
        super().__init__(reason)
        self.usage = usage

    def __reduce__(self):
        return type(self), (self.reason, self.usage)


class BudgetError(TransportError):
    """The run's spending cap was reached before this request was sent."""
