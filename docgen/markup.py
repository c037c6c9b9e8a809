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
from collections.abc import Callable
from functools import lru_cache

from docgen.model import FunctionInfo, ModuleInfo, ParamKind, Statement

__all__ = [
    "BUILTIN_NAMES",
    "DATA_KINDS",
    "data_summary",
    "inline_code",
    "items_shown",
    "longest_run",
    "one_line",
    "shorten_code",
    "signature",
    "statement_shape",
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


def items_shown(count: int, limit: int) -> int:
    """How many of ``count`` items a list shows when it shows ``limit`` before "and N more":
    one over the limit is shown too ("and 1 more statement" says less than the statement)."""
    return count if count <= limit + 1 else limit


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


_FIELDS: dict[type, tuple[str, ...]] = {}  # node type -> its fields that may hold nodes
_SCALAR_FIELDS = frozenset({"ctx", "id", "attr", "arg", "module", "level", "kind", "name",
                            "asname", "conversion", "is_async", "type_comment"})  # fmt: skip
_DEFINES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@lru_cache(maxsize=4096)  # the writer and the quality measure read the same examples
def unbound_names(code: str) -> tuple[str, ...] | None:
    """The names ``code`` reads but never binds (builtins aside), in order; None when it does
    not parse."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return None
    bound: set[str] = set()
    read: list[str] = []
    stack: list[object] = [tree]
    while stack:  # depth first, children in source order (ast.NodeVisitor's order, faster)
        node = stack.pop()
        kind = type(node)
        if kind is ast.Name:
            (read.append if type(node.ctx) is ast.Load else bound.add)(node.id)  # type: ignore[attr-defined]
            continue
        if kind is ast.alias:
            bound.add((node.asname or node.name).split(".")[0])  # type: ignore[attr-defined]
            continue
        if kind is ast.arg:
            bound.add(node.arg)  # type: ignore[attr-defined]
            continue
        if kind in _DEFINES or (kind is ast.ExceptHandler and node.name):  # type: ignore[attr-defined]
            bound.add(node.name)  # type: ignore[attr-defined]
        fields = _FIELDS.get(kind)
        if fields is None:
            names = getattr(kind, "_fields", ())
            fields = _FIELDS[kind] = tuple(f for f in names if f not in _SCALAR_FIELDS)
        children: list[object] = []
        for field in fields:
            value = getattr(node, field, None)
            if type(value) is list:
                children.extend(v for v in value if isinstance(v, ast.AST))
            elif isinstance(value, ast.AST):
                children.append(value)
        stack.extend(reversed(children))
    return tuple(dict.fromkeys(n for n in read if n not in bound and n not in BUILTIN_NAMES))


def shorten_code(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, bracket contents elided first (see :func:`code`)."""
    for _ in range(8):
        if len(text) <= limit:
            return text
        pairs = _scan(text)[0]
        if not pairs:
            break
        start, end = max(pairs, key=lambda p: p[1] - p[0])
        if end - start <= 2:
            break
        inner = text[start + 1 : end]
        keywords = _keyword_skeleton(inner)
        is_call = start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_)]")
        if text[start] == "{":
            keywords = _key_skeleton(inner)
        if (
            (is_call or text[start] == "{")
            and keywords
            and keywords != inner
            and len(text) - len(inner) + len(keywords) <= limit
        ):
            text = text[: start + 1] + keywords + text[end:]  # create(model=…, messages=…)
        else:
            text = text[: start + 1] + "…" + text[end:]
    for _ in range(4):  # then the longest strings: `message = "…"`, never cut inside one
        if len(text) <= limit:
            return text
        strings = [(a, b) for a, b in _scan(text)[1] if b - a > 2]
        if not strings:
            break
        start, end = max(strings, key=lambda p: p[1] - p[0])
        text = text[: start + 1] + "…" + text[end:]
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    boundary = max(cut.rfind(" "), cut.rfind(","), cut.rfind("("))
    if boundary > limit // 2:
        cut = cut[:boundary]
    return cut.rstrip(" ,") + "…"


_MARKS = re.compile(r"[()\[\]{}\"'\\,]")  # what the bracket readers look at; the rest is skipped


def _scan(text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The outermost bracket pairs ``(open, close)`` of ``text`` (strings skipped) and the
    ``(open quote, close quote)`` of each one-quote string literal in it."""
    pairs: list[tuple[int, int]] = []
    strings: list[tuple[int, int]] = []
    stack: list[int] = []
    quote, opened = "", -1
    escaped = -1  # the position a backslash in a string escapes
    for m in _MARKS.finditer(text):
        i = m.start()
        ch = text[i]
        if quote:
            if i == escaped:
                continue
            if ch == "\\":
                escaped = i + 1
            elif ch == quote:
                strings.append((opened, i))
                quote = ""
        elif ch == '"' or ch == "'":
            quote, opened = ch, i
        elif ch in "([{":
            stack.append(i)
        elif ch in ")]}" and stack:
            start = stack.pop()
            if not stack:
                pairs.append((start, i))
    return pairs, strings


def _top_level(arguments: str) -> list[str]:
    """``arguments`` split at its top-level commas (brackets and strings respected)."""
    parts: list[str] = []
    depth = 0
    quote = ""
    last = 0
    for m in _MARKS.finditer(arguments):
        ch = m.group()
        if quote:
            quote = "" if ch == quote else quote
        elif ch == '"' or ch == "'":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(arguments[last : m.start()])
            last = m.end()
    parts.append(arguments[last:])
    return parts


def _key_skeleton(items: str) -> str:
    """A dict display's items with every value elided and the string keys kept:
    ``"model": …, "messages": …`` ("" when a key is not a short string literal)."""
    out = []
    for part in _top_level(items):
        part = part.strip()
        if not part:
            continue
        quote = part[0]
        end = part.find(quote, 1) if quote in "\"'" else -1
        if end < 0 or end > 30 or not part[end + 1 :].lstrip().startswith(":"):
            return ""
        out.append(f"{part[: end + 1]}: …")
    return ", ".join(out)


def _keyword_skeleton(arguments: str) -> str:
    """Call arguments with every value elided and the keywords kept: ``model=…, stream=…``
    ("" when there is no keyword)."""
    out = []
    for part in _top_level(arguments):
        if not part.strip():
            continue  # the empty part after a trailing comma
        name, eq, _ = part.strip().partition("=")
        if eq and name.isidentifier():
            out.append(f"{name}=…")
        else:
            out.append("…")
    return ", ".join(out) if any("=" in o for o in out) else ""


DATA_SHARE = 0.8  # of a script's text in literal assignments: it is a data module
DATA_MIN_LINES = 40  # a shorter script is shown whole anyway

_LITERALS = {ast.Dict: "dict", ast.List: "list", ast.Tuple: "tuple", ast.Set: "set"}
# the kinds data_summary gives that the catalogs name (``data.<kind>``; others: ``data.other``)
DATA_KINDS = frozenset(("dict", "list", "tuple", "set", "str", "bytes", "int", "float", "bool",
                        "NoneType"))  # fmt: skip


def data_summary(module: ModuleInfo) -> tuple[tuple[str, str, int], ...]:
    """For a module that is mostly literal data (tables, maps, generated constants): each
    name it binds with the kind of its value ("dict", "list", "tuple", "set", "str", "int",
    ..., "" for anything else) and its size (items, or characters of a string; -1 when it has
    none). Empty for any other module."""
    if module.classes or module.functions or module.main_block is not None:
        return ()
    if module.line_count < DATA_MIN_LINES or not module.attributes:
        return ()
    values = [a.value or "" for a in module.attributes]
    if sum(map(len, values)) < DATA_SHARE * len(module.source.strip()):
        return ()
    rows = []
    for attr in module.attributes:
        try:
            node = ast.parse(attr.value or "", mode="eval").body
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            rows.append((attr.name, "", -1))
            continue
        kind = _LITERALS.get(type(node))
        if kind is not None:
            size = len(node.keys) if isinstance(node, ast.Dict) else len(node.elts)  # type: ignore[attr-defined]
            rows.append((attr.name, kind, size))
        elif isinstance(node, ast.Constant):
            value = node.value
            size = len(value) if isinstance(value, str | bytes) else -1
            rows.append((attr.name, type(value).__name__, size))
        else:
            rows.append((attr.name, "", -1))
    return tuple(rows)


def statement_shape(stmt: ast.stmt, text: Callable[[ast.AST], str]) -> Statement:
    """The shape of one simple statement, its parts' source read with ``text``: the extract
    stage gives its own slices of the file, the offline writer those of a label it parsed."""
    kind = type(stmt)
    if kind is ast.Pass:
        return Statement("pass")
    if kind is ast.Expr:
        value = stmt.value  # type: ignore[attr-defined]
        if type(value) is ast.Constant and value.value is Ellipsis:
            return Statement("ellipsis")
        if type(value) is ast.Await and type(value.value) is ast.Call:
            return Statement("await_call", callee=text(value.value.func))
        if type(value) is ast.Await:
            return Statement("await", value=text(value.value))
        if type(value) is ast.Call:
            return Statement("call", callee=text(value.func))
        return Statement("statement")
    if kind in (ast.Assign, ast.AnnAssign) and stmt.value is not None:  # type: ignore[attr-defined]
        targets = stmt.targets if kind is ast.Assign else [stmt.target]  # type: ignore[attr-defined]
        target = " = ".join(text(tg) for tg in targets)
        value = stmt.value  # type: ignore[attr-defined]
        if type(value) is ast.Await and type(value.value) is ast.Call:
            return Statement("assign_await", target, callee=text(value.value.func))
        if type(value) is ast.Call:
            return Statement("assign_call", target, callee=text(value.func))
        return Statement("assign", target, value=text(value))
    if kind is ast.AnnAssign:
        return Statement("annotate", text(stmt.target))  # type: ignore[attr-defined]
    if kind is ast.AugAssign:
        return Statement("augassign", text(stmt.target))  # type: ignore[attr-defined]
    if kind is ast.Delete:
        return Statement("delete", names=tuple(text(tg) for tg in stmt.targets))  # type: ignore[attr-defined]
    if kind in (ast.Import, ast.ImportFrom):
        return Statement("import", names=tuple(alias.name for alias in stmt.names))  # type: ignore[attr-defined]
    return Statement("statement")
