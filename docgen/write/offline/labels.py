"""Reading a flow node's label: the parts of a statement, a ``for`` target, an except name.

The offline writer's phrases are built from these pieces of source text; nothing here words
anything (:mod:`~docgen.write.offline.phrases` does, from the catalog)."""

from __future__ import annotations

import ast
import re
from functools import lru_cache

from docgen.markup import statement_shape
from docgen.model import FlowNode, Statement

__all__ = [
    "ASSIGN",
    "Statement",
    "def_name",
    "except_name",
    "if_label",
    "node_statement",
    "segment",
    "split_for",
    "statement",
    "strip_keyword",
]


ASSIGN = re.compile(r"^([\w.\[\]'\", ]+?)\s*=(?!=)\s*(.*)$")


@lru_cache(maxsize=1 << 15)
def statement(label: str) -> Statement | None:
    """The shape of a one-statement label, or None when it does not parse. Most statements
    come with their shape (:attr:`FlowNode.shape`, see :func:`node_statement`); the others'
    labels repeat (a label is read for its steps and to see whether it is a bare call), so the
    parse is cached."""
    if "…" in label and "..." not in label:
        # a label shortened at a syntax boundary (``payload = {…}``): "…" reads as ``...``
        found = statement(label.replace("…", "..."))
        return None if found is None else _elided(found)
    try:
        tree = ast.parse(label)
    except (SyntaxError, ValueError):
        return None
    if len(tree.body) != 1:
        return None
    return statement_shape(tree.body[0], lambda node: segment(label, node))


def node_statement(node: FlowNode) -> Statement | None:
    """The shape of a plain statement node: the one the extract stage read (its label is its
    whole text), else its label's."""
    return node.shape if node.shape is not None else statement(node.label.strip())


def _elided(found: Statement) -> Statement:
    def back(text: str) -> str:
        return text.replace("...", "…")

    return Statement(
        found.kind, back(found.target), back(found.callee), back(found.value),
        tuple(map(back, found.names)),
    )  # fmt: skip


def segment(source: str, node: ast.AST) -> str:
    """The source text of ``node``. A one-line ASCII label is sliced directly (its column
    offsets are character offsets), which is what :func:`ast.get_source_segment` does slowly."""
    if (
        node.lineno == node.end_lineno == 1
        and source.isascii()
        and "\n" not in source
        and "\r" not in source
    ):
        text = source[node.col_offset : node.end_col_offset]
    else:
        text = ast.get_source_segment(source, node)
    return text or ast.unparse(node)


def strip_keyword(label: str, keyword: str) -> str:
    text = label.strip()
    if text == keyword:
        return ""
    if text.startswith(keyword + " ") or text.startswith(keyword + "("):
        text = text[len(keyword) :].strip()
    return text.removesuffix(":").strip()


def if_label(node: FlowNode) -> str:
    if node.branches and node.branches[0].label:
        return strip_keyword(node.branches[0].label, "if")
    return strip_keyword(node.label, "if")


def split_for(label: str) -> tuple[str, str]:
    """``"for x in xs"`` or ``"x in xs"`` -> ``("x", "xs")``."""
    text = strip_keyword(strip_keyword(label, "async"), "for")
    try:
        tree = ast.parse(f"for {text}: pass")
        loop = tree.body[0]
        assert isinstance(loop, ast.For)
        source = f"for {text}: pass"
        return segment(source, loop.target), segment(source, loop.iter)
    except (SyntaxError, AssertionError, ValueError):
        target, sep, iterable = text.partition(" in ")
        return (target, iterable) if sep else ("", text)


def except_name(label: str) -> str:
    text = strip_keyword(strip_keyword(label, "except*"), "except")
    if text in ("", "except", "except*"):
        return ""
    return text.split(" as ")[0].strip()


def def_name(label: str) -> str:
    text = label.strip()
    for keyword in ("async def ", "def ", "class "):
        if text.startswith(keyword):
            text = text[len(keyword) :]
            break
    for stop in "([:":
        text = text.split(stop)[0]
    return text.strip() or label.strip()
