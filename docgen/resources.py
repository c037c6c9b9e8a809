"""docgen's bundled templates, and the one way a Jinja environment is built and rendered.

In a wheel the top-level ``templates/`` folder is installed as ``docgen/templates``; in a source
checkout (editable install, tests) it sits beside the package. Pages, prompts and message
catalogs are all found here. Every template error a user can cause (a syntax error or a misspelt
variable in their own template) becomes one :class:`~docgen.errors.TemplateError` line,
``path:line: reason``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import BuiltinFunctionType, FunctionType, MethodType, TracebackType
from typing import Any

import jinja2
import jinja2.runtime

from docgen.errors import TemplateError

__all__ = ["environment", "render", "templates_dir", "toml_error"]


@cache
def templates_dir() -> Path:
    """The directory holding the default templates, prompts and message catalogs."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if (candidate / "i18n").is_dir():
            return candidate
    raise FileNotFoundError(f"docgen templates not found next to {here}")


def environment(
    default: Path, user: Path | None = None, *, keep_trailing_newline: bool
) -> jinja2.Environment:
    """A Jinja environment searching the user's folder first, then ``default``, which is also
    reachable as ``default/<name>`` so a user file can ``{% extends "default/<name>" %}`` and
    replace one block. ``StrictUndefined`` makes a misspelt variable fail loudly; autoescape is
    off because the output is Markdown or a prompt, never HTML; templates do not change during a
    run, so they are not checked for changes (no stat per page)."""
    defaults = jinja2.FileSystemLoader(str(default))
    loaders: list[jinja2.BaseLoader] = []
    if user is not None and user.is_dir():
        loaders.append(jinja2.FileSystemLoader(str(user)))
    loaders += [jinja2.PrefixLoader({"default": defaults}), defaults]
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=keep_trailing_newline,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.context_class = _Context
    return env


_PLAIN_CALLABLES = (FunctionType, MethodType, BuiltinFunctionType)


class _Context(jinja2.runtime.Context):
    """Jinja's context, with a shorter way to the two callables templates call most.

    Every call in a template (``t(...)``, a macro, a global) goes through ``Context.call``,
    which looks for a ``pass_context``-style mark on the callable and on its ``__call__``
    before calling it: about a fifth of rendering a reference page went there (some 360,000
    calls on a quarter of the standard library). A macro always takes the evaluation context
    (``Macro.__call__`` is ``pass_eval_context``), and a function or method either carries the
    mark itself or takes nothing (its ``__call__`` is a method wrapper, which never does): both
    are called here as ``Context.call`` would call them; anything else goes through it
    (rendering 7-9 % faster, the same pages)."""

    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        kind = type(__obj)
        if kind is jinja2.runtime.Macro:
            args = (__self.eval_ctx, *args)
        elif kind not in _PLAIN_CALLABLES or hasattr(__obj, "jinja_pass_arg"):
            return super().call(__obj, *args, **kwargs)
        kwargs.pop("_block_vars", None)
        kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:  # as Context.call has it
            return __self.environment.undefined(
                "value was undefined because a callable raised a StopIteration exception"
            )


def render(env: jinja2.Environment, name: str, context: Mapping[str, Any]) -> str:
    """Render template ``name``; a template's own mistake is a :class:`TemplateError`."""
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as err:
        path = err.filename or err.name or name
        reason = f"template syntax error: {err.message}"
        raise TemplateError(reason, path=path, line=err.lineno) from None
    except jinja2.TemplateNotFound as err:
        raise TemplateError(f"template not found: {err.name}") from None
    except jinja2.TemplateError as err:
        path, line = _template_frame(err.__traceback__)
        raise TemplateError(f"template error: {err}", path=path or name, line=line) from None


def _template_frame(tb: TracebackType | None) -> tuple[str | None, int | None]:
    """The innermost template file and line in a traceback Jinja rewrote to show them."""
    found: tuple[str | None, int | None] = (None, None)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)")


def toml_error(path: Path | str, err: Exception) -> tuple[str, int | None]:
    """The reason and line of a ``tomllib.TOMLDecodeError``, for a ``path:line: reason``."""
    text = str(err)
    found = _TOML_LINE.search(text)
    reason = _TOML_LINE.sub("", text).strip() or "invalid TOML"
    return f"invalid TOML: {reason}", int(found.group(1)) if found else None
