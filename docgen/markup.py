"""Text forms shared by the stages: one-line labels, inline code spans, Python signatures, and
which names a piece of example code reads without binding them.

The extract stage labels flow nodes with :func:`one_line`; the offline writer and the renderer
both quote code with :func:`inline_code`; the prompt builder and the pages both show
:func:`signature`. Each rule lives here once, so a stage never imports another stage's helpers.
"""

from __future__ import annotations

import ast
import builtins
import keyword
import re

from docgen.model import FunctionInfo, ParamKind

__all__ = [
    "BUILTIN_NAMES",
    "inline_code",
    "longest_run",
    "one_line",
    "signature",
    "text_value",
    "unbound_names",
]

BUILTIN_NAMES = frozenset(dir(builtins)) | frozenset(keyword.kwlist) | frozenset(keyword.softkwlist)

_SPACES = re.compile(r"\s+")
_SURROGATE = re.compile("[\ud800-\udfff]")
_STARS = {ParamKind.VAR_POSITIONAL: "*", ParamKind.VAR_KEYWORD: "**"}


def one_line(text: object, width: int = 0) -> str:
    """Whitespace runs (newlines included) collapsed to one space; cut to ``width`` characters
    with "…" when ``width`` is given."""
    body = str(text)
    if "\n" in body or "  " in body or "\t" in body or "\r" in body:
        body = _SPACES.sub(" ", body)
    body = body.strip()
    return body if not width or len(body) <= width else body[: width - 1].rstrip() + "…"


def text_value(value: str) -> str:
    """A string value from code or from a model, fit to be text: lone surrogates (a docstring's
    ``"\\ud800"`` escape, a JSON ``"\\udcff"``) become U+FFFD, since no file can hold them."""
    return _SURROGATE.sub("\ufffd", value) if _SURROGATE.search(value) else value


def longest_run(text: str, char: str = "`") -> int:
    """The length of the longest run of ``char`` in ``text``."""
    if char not in text:
        return 0
    return max(len(m) for m in re.findall(re.escape(char) + "+", text))


def inline_code(text: object) -> str:
    """``text`` as one Markdown code span, on one line, whatever backticks it holds."""
    body = " ".join(str(text).split())
    if not body:
        return "` `"
    ticks = "`" * (longest_run(body) + 1)
    if body.startswith("`") or body.endswith("`") or ticks != "`":
        return f"{ticks} {body} {ticks}"
    return f"{ticks}{body}{ticks}"


def signature(fn: FunctionInfo, *, qualified: bool = False) -> str:
    """The signature of ``fn`` built from its extracted parameters.

    By default as a page shows it: the decorators, then ``def name(...) -> R:``. With
    ``qualified``, as a prompt lists a callee: one line, ``def Class.name(...) -> R``, no
    decorators and no colon.
    """
    parts: list[str] = []
    seen_kw_marker = False
    params = fn.params
    for i, p in enumerate(params):
        if p.kind is ParamKind.KEYWORD_ONLY and not seen_kw_marker:
            parts.append("*")
            seen_kw_marker = True
        if p.kind is ParamKind.VAR_POSITIONAL:
            seen_kw_marker = True
        text = _STARS.get(p.kind, "") + p.name
        if p.annotation:
            text += f": {p.annotation}"
        if p.default is not None:
            text += f" = {p.default}" if p.annotation else f"={p.default}"
        parts.append(text)
        nxt = params[i + 1] if i + 1 < len(params) else None
        if p.kind is ParamKind.POSITIONAL_ONLY and (
            nxt is None or nxt.kind is not ParamKind.POSITIONAL_ONLY
        ):
            parts.append("/")
    head = "async def" if fn.is_async else "def"
    returns = f" -> {fn.returns}" if fn.returns else ""
    if qualified:
        return f"{head} {fn.qualname}{fn.type_params or ''}({', '.join(parts)}){returns}"
    lines = [f"@{d}" for d in fn.decorators]
    lines.append(f"{head} {fn.name}{fn.type_params or ''}({', '.join(parts)}){returns}:")
    return "\n".join(lines)


class _Binding(ast.NodeVisitor):
    def __init__(self) -> None:
        self.bound: set[str] = set()
        self.read: list[str] = []

    def visit_Name(self, node: ast.Name) -> None:
        (self.bound.add if isinstance(node.ctx, ast.Store | ast.Del) else self.read.append)(node.id)

    def visit_alias(self, node: ast.alias) -> None:
        self.bound.add((node.asname or node.name).split(".")[0])

    def visit_arg(self, node: ast.arg) -> None:
        self.bound.add(node.arg)

    def _named(self, node) -> None:
        self.bound.add(node.name)
        self.generic_visit(node)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _named

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self.bound.add(node.name)
        self.generic_visit(node)


def unbound_names(code: str) -> tuple[str, ...] | None:
    """The names ``code`` reads but never binds (builtins aside), in order; None when it does
    not parse."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return None
    visitor = _Binding()
    visitor.visit(tree)
    return tuple(
        dict.fromkeys(n for n in visitor.read if n not in visitor.bound and n not in BUILTIN_NAMES)
    )
