"""Phrasing control flow: the offline writer's numbered steps, built from ``FlowNode`` trees.

Each node becomes a *clause* (a lower-case verb phrase from the message catalog, such as
``clause.call``: "calls `client.send`"); a top-level node becomes a step (the clause
capitalised, with a full stop). Runs of plain statements are collapsed into one step, nested
bodies are summarised in a clause or two, and the number of steps is capped, so long functions
still read as a short list. Only what the flow records is said: the labels are quoted from the
code, never interpreted.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from docgen.i18n import Catalog
from docgen.markup import inline_code, one_line, shorten_code
from docgen.model import FlowKind, FlowNode

MAX_STEPS = 8
MAX_RUN = 3  # plain statements described in one step before "and N more"
MAX_BRIEF = 2  # nodes described inside a nested body

_COMPOUND = {FlowKind.IF, FlowKind.FOR, FlowKind.WHILE, FlowKind.TRY, FlowKind.WITH, FlowKind.MATCH}


@lru_cache(maxsize=1 << 15)
def code(text: str, limit: int = 80) -> str:
    """Code quoted in backticks, on one line, shortened when very long at a syntax boundary:
    the inside of its largest brackets becomes "…" (``headers = {…}``, ``create(…)``), and only
    what still does not fit is cut, after a whole token."""
    return inline_code(shorten_code(one_line(text), limit))


def capitalize(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def sentence(text: str) -> str:
    text = capitalize(text.strip())
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def join_list(cat: Catalog, items: Sequence[str]) -> str:
    """``a``; ``a and b``; ``a, b and c`` (with the catalog's ``word.and``)."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {cat.t('word.and')} {items[-1]}"


class FlowPhraser:
    """Turns flow nodes into clauses and steps with one catalog."""

    def __init__(self, catalog: Catalog):
        self.cat = catalog

    # ---------------------------------------------------------------- steps

    def steps(self, nodes: Sequence[FlowNode]) -> tuple[str, ...]:
        """Numbered steps for a top-level body (without the numbers)."""
        groups = self._groups(nodes)
        if len(groups) <= MAX_STEPS:
            return tuple(self._step(group) for group in groups)
        # the first steps, "and N more", the last step: the hidden ones are never phrased
        head, last = groups[: MAX_STEPS - 2], groups[-1]
        more = sentence(self.cat.plural(len(groups) - len(head) - 1, "clause.more_steps"))
        return (*(self._step(group) for group in head), more, self._step(last))

    def _step(self, group: list[FlowNode]) -> str:
        return sentence(self._group_clause(group, deep=True))

    def brief(self, nodes: Sequence[FlowNode]) -> str:
        """A short clause for a nested body: at most two groups, then "and N more"."""
        groups = self._groups(nodes)
        if not groups:
            return self.cat.t("clause.nothing")
        parts = [self._group_clause(group, deep=False) for group in groups[:MAX_BRIEF]]
        text = self.cat.t("word.then").join(parts)
        hidden = sum(len(g) for g in groups[MAX_BRIEF:])
        if hidden:
            text += self.cat.t("word.then") + self.cat.plural(hidden, "clause.more_statements")
        return text

    def _groups(self, nodes: Sequence[FlowNode]) -> list[list[FlowNode]]:
        groups: list[list[FlowNode]] = []
        for node in nodes:
            plain = node.kind is FlowKind.STATEMENT
            if plain and groups and groups[-1][0].kind is FlowKind.STATEMENT:
                groups[-1].append(node)
            else:
                groups.append([node])
        return groups

    def _group_clause(self, group: list[FlowNode], *, deep: bool) -> str:
        if group[0].kind is not FlowKind.STATEMENT:
            return self.clause(group[0], deep=deep)
        clauses: list[str] = []
        calls: list[str] = []
        for node in group[:MAX_RUN]:
            callee = self._pure_call(node)
            if callee is not None:
                calls.append(callee)
                continue
            if calls:
                clauses.append(self.cat.t("clause.call", callee=join_list(self.cat, calls)))
                calls = []
            clauses.append(self.statement(node))
        if calls:
            clauses.append(self.cat.t("clause.call", callee=join_list(self.cat, calls)))
        # top level: "a; b; c"; inside a branch, where ";" separates branches: "a, b и c"
        text = "; ".join(clauses) if deep else join_list(self.cat, clauses)
        if len(group) > MAX_RUN:
            extra = self.cat.plural(len(group) - MAX_RUN, "clause.more_statements")
            text += self.cat.t("word.then") + extra
        return text

    # ---------------------------------------------------------------- clauses

    def clause(self, node: FlowNode, *, deep: bool = True) -> str:
        """One node as a lower-case verb phrase."""
        t = self.cat.t
        kind = node.kind
        label = node.label
        if kind is FlowKind.STATEMENT:
            return self.statement(node)
        if kind is FlowKind.RETURN:
            value = _strip_keyword(label, "return")
            return t("clause.return", value=code(value)) if value else t("clause.return_bare")
        if kind is FlowKind.RAISE:
            value = _strip_keyword(label, "raise")
            return t("clause.raise", exc=code(value)) if value else t("clause.reraise")
        if kind is FlowKind.YIELD:
            value = _strip_keyword(_strip_keyword(label, "yield"), "from")
            return t("clause.yield", value=code(value)) if value else t("clause.yield_bare")
        if kind is FlowKind.BREAK:
            return t("clause.break")
        if kind is FlowKind.CONTINUE:
            return t("clause.continue")
        if kind is FlowKind.ASSERT:
            return t("clause.assert", cond=code(_strip_keyword(label, "assert")))
        if kind is FlowKind.DEF:
            name = _def_name(label)
            key = "clause.def_class" if label.lstrip().startswith("class ") else "clause.def"
            return t(key, name=code(name))
        if not deep:
            return self._short(node)
        if kind is FlowKind.IF:
            return self._if(node)
        if kind is FlowKind.FOR:
            return self._for(node)
        if kind is FlowKind.WHILE:
            test = _strip_keyword(label, "while")
            body = self._branch_body(node, 0)
            if test in ("True", "1"):
                text = t("clause.while_forever", cond=code(f"while {test}"), body=body)
            else:
                text = t("clause.while", cond=code(test), body=body)
            return text + self._loop_else(node)
        if kind is FlowKind.TRY:
            return self._try(node)
        if kind is FlowKind.WITH:
            target = code(_strip_keyword(_strip_keyword(label, "async"), "with"))
            return t("clause.with", target=target, body=self._branch_body(node, 0))
        if kind is FlowKind.MATCH:
            cases = [
                t(
                    "clause.case",
                    pattern=code(_strip_keyword(b.label, "case")),
                    body=self.brief(b.body),
                )
                for b in node.branches
            ]
            subject = code(_strip_keyword(label, "match"))
            return t("clause.match", subject=subject, cases="; ".join(cases))
        return t("clause.statement", stmt=code(label))

    def _short(self, node: FlowNode) -> str:
        t = self.cat.t
        label = node.label
        if node.kind is FlowKind.IF:
            return t("clause.if_short", cond=code(_if_label(node)))
        if node.kind is FlowKind.FOR:
            target, iterable = _split_for(label)
            return t("clause.for_short", iterable=code(iterable), target=code(target))
        if node.kind is FlowKind.WHILE:
            return t("clause.while_short", cond=code(_strip_keyword(label, "while")))
        if node.kind is FlowKind.TRY:
            return t("clause.try_short")
        if node.kind is FlowKind.WITH:
            target = code(_strip_keyword(_strip_keyword(label, "async"), "with"))
            return t("clause.with_short", target=target)
        return t("clause.match_short", subject=code(_strip_keyword(label, "match")))

    def _branch_body(self, node: FlowNode, index: int) -> str:
        if index < len(node.branches):
            return self.brief(node.branches[index].body)
        return self.cat.t("clause.nothing")

    def _if(self, node: FlowNode) -> str:
        t = self.cat.t
        parts: list[str] = []
        for i, branch in enumerate(node.branches):
            role = branch.role or ("if" if i == 0 else "else" if branch.label == "else" else "elif")
            body = self.brief(branch.body)
            cond = code(_strip_keyword(_strip_keyword(branch.label, "elif"), "if"))
            if i == 0:
                parts.append(t("clause.if", cond=cond or code(node.label), then=body))
            elif role == "else" or not branch.label or branch.label == "else":
                parts.append(t("clause.else", then=body))
            else:
                parts.append(t("clause.elif", cond=cond, then=body))
        if not parts:
            return t("clause.if_short", cond=code(_strip_keyword(node.label, "if")))
        return "; ".join(parts)

    def _for(self, node: FlowNode) -> str:
        target, iterable = _split_for(node.label)
        text = self.cat.t(
            "clause.for",
            iterable=code(iterable),
            target=code(target),
            body=self._branch_body(node, 0),
        )
        return text + self._loop_else(node)

    def _loop_else(self, node: FlowNode) -> str:
        for branch in node.branches[1:]:
            if branch.role == "else" or branch.label == "else":
                return "; " + self.cat.t("clause.loop_else", body=self.brief(branch.body))
        return ""

    def _try(self, node: FlowNode) -> str:
        t = self.cat.t
        parts: list[str] = []
        for i, branch in enumerate(node.branches):
            role = branch.role or ("body" if i == 0 else "except")
            body = self.brief(branch.body)
            if i == 0 or role in ("body", "try"):
                parts.append(t("clause.try", body=body))
            elif role == "finally":
                parts.append(t("clause.finally", body=body))
            elif role == "else":
                parts.append(t("clause.try_else", body=body))
            else:
                exc = _except_name(branch.label)
                if exc:
                    parts.append(t("clause.except", exc=code(exc), body=body))
                else:
                    parts.append(t("clause.except_any", body=body))
        return "; ".join(parts) if parts else t("clause.try_short")

    def statement(self, node: FlowNode) -> str:
        """A plain statement as a clause, read from its source text when it parses."""
        t = self.cat.t
        label = node.label.strip()
        stmt = _statement(label)
        if stmt is None:
            return self._unparsed(node)
        kind = stmt.kind
        if kind in ("pass", "ellipsis"):
            return t(f"clause.{kind}")
        if kind in ("call", "await_call"):
            return t(f"clause.{kind}", callee=code(stmt.callee))
        if kind == "await":
            return t("clause.await", expr=code(stmt.value))
        if kind in ("assign_call", "assign_await"):
            return t(f"clause.{kind}", callee=code(stmt.callee), target=code(stmt.target))
        if kind == "assign":
            return t("clause.assign", target=code(stmt.target), value=code(stmt.value, 60))
        if kind == "annotate":
            return t("clause.annotate", target=code(stmt.target))
        if kind == "augassign":
            return t("clause.augassign", target=code(stmt.target), stmt=code(label))
        if kind in ("delete", "import"):
            names = [code(name) for name in stmt.names]
            return t(f"clause.{kind}", names=join_list(self.cat, names))
        return t("clause.statement", stmt=code(label))

    def _unparsed(self, node: FlowNode) -> str:
        """A statement whose (shortened) label does not parse: read what the text shows."""
        t = self.cat.t
        label = node.label.strip()
        callee = node.calls[0] if node.calls else ""
        m = _ASSIGN.match(label)
        if m and callee and m.group(2).startswith(callee + "("):
            return t("clause.assign_call", callee=code(callee), target=code(m.group(1)))
        if callee and label.startswith(callee + "("):
            return t("clause.call", callee=code(callee))
        return t("clause.statement", stmt=code(label))

    def _pure_call(self, node: FlowNode) -> str | None:
        """The callee (quoted) when the statement is nothing but a call."""
        stmt = _statement(node.label.strip())
        if stmt is not None and stmt.kind == "call":
            return code(stmt.callee)
        return None


# -------------------------------------------------------------------- label helpers


_ASSIGN = re.compile(r"^([\w.\[\]'\", ]+?)\s*=(?!=)\s*(.*)$")


@dataclass(frozen=True, slots=True)
class _Statement:
    """What :meth:`FlowPhraser.statement` needs from one parsed statement: its shape (``kind``,
    named after the catalog's ``clause.*`` key) and the source text of its parts."""

    kind: str
    target: str = ""
    callee: str = ""
    value: str = ""
    names: tuple[str, ...] = ()


@lru_cache(maxsize=1 << 15)
def _statement(label: str) -> _Statement | None:
    """The shape of a one-statement label, or None when it does not parse. Labels repeat (a
    statement is read once for its steps and once to see whether it is a bare call; ``return
    None`` and ``self.x = x`` are everywhere), so the parse is cached."""
    try:
        tree = ast.parse(label)
    except (SyntaxError, ValueError):
        return None
    if len(tree.body) != 1:
        return None
    stmt = tree.body[0]
    if isinstance(stmt, ast.Pass):
        return _Statement("pass")
    if isinstance(stmt, ast.Expr):
        value = stmt.value
        if isinstance(value, ast.Constant) and value.value is Ellipsis:
            return _Statement("ellipsis")
        if isinstance(value, ast.Await) and isinstance(value.value, ast.Call):
            return _Statement("await_call", callee=_segment(label, value.value.func))
        if isinstance(value, ast.Await):
            return _Statement("await", value=_segment(label, value.value))
        if isinstance(value, ast.Call):
            return _Statement("call", callee=_segment(label, value.func))
        return _Statement("statement")
    if isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is not None:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        target = " = ".join(_segment(label, tg) for tg in targets)
        value = stmt.value
        if isinstance(value, ast.Await) and isinstance(value.value, ast.Call):
            return _Statement("assign_await", target, callee=_segment(label, value.value.func))
        if isinstance(value, ast.Call):
            return _Statement("assign_call", target, callee=_segment(label, value.func))
        return _Statement("assign", target, value=_segment(label, value))
    if isinstance(stmt, ast.AnnAssign):
        return _Statement("annotate", _segment(label, stmt.target))
    if isinstance(stmt, ast.AugAssign):
        return _Statement("augassign", _segment(label, stmt.target))
    if isinstance(stmt, ast.Delete):
        return _Statement("delete", names=tuple(_segment(label, tg) for tg in stmt.targets))
    if isinstance(stmt, ast.Import | ast.ImportFrom):
        return _Statement("import", names=tuple(alias.name for alias in stmt.names))
    return _Statement("statement")


def _segment(source: str, node: ast.AST) -> str:
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


def _strip_keyword(label: str, keyword: str) -> str:
    text = label.strip()
    if text == keyword:
        return ""
    if text.startswith(keyword + " ") or text.startswith(keyword + "("):
        text = text[len(keyword) :].strip()
    return text.removesuffix(":").strip()


def _if_label(node: FlowNode) -> str:
    if node.branches and node.branches[0].label:
        return _strip_keyword(node.branches[0].label, "if")
    return _strip_keyword(node.label, "if")


def _split_for(label: str) -> tuple[str, str]:
    """``"for x in xs"`` or ``"x in xs"`` -> ``("x", "xs")``."""
    text = _strip_keyword(_strip_keyword(label, "async"), "for")
    try:
        tree = ast.parse(f"for {text}: pass")
        loop = tree.body[0]
        assert isinstance(loop, ast.For)
        source = f"for {text}: pass"
        return _segment(source, loop.target), _segment(source, loop.iter)
    except (SyntaxError, AssertionError, ValueError):
        target, sep, iterable = text.partition(" in ")
        return (target, iterable) if sep else ("", text)


def _except_name(label: str) -> str:
    text = _strip_keyword(_strip_keyword(label, "except*"), "except")
    if text in ("", "except", "except*"):
        return ""
    return text.split(" as ")[0].strip()


def _def_name(label: str) -> str:
    text = label.strip()
    for keyword in ("async def ", "def ", "class "):
        if text.startswith(keyword):
            text = text[len(keyword) :]
            break
    for stop in "([:":
        text = text.split(stop)[0]
    return text.strip() or label.strip()
