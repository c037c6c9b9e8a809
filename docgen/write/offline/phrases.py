"""Phrasing control flow: the offline writer's numbered steps, built from ``FlowNode`` trees.

Each node becomes a *clause* (a lower-case verb phrase from the message catalog, such as
``clause.call``: "calls `client.send`"); a top-level node becomes a step (the clause
capitalised, with a full stop). Runs of plain statements are collapsed into one step, nested
bodies are summarised in a clause or two, and the number of steps is capped, so long functions
still read as a short list. Only what the flow records is said: the labels are quoted from the
code, never interpreted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import lru_cache

from docgen.i18n import Catalog
from docgen.markup import inline_code, items_shown, one_line, shorten_code
from docgen.model import FlowKind, FlowNode
from docgen.write.offline.labels import (
    ASSIGN,
    def_name,
    except_name,
    if_label,
    node_statement,
    split_for,
    strip_keyword,
)

MAX_STEPS = 8
MAX_RUN = 3  # plain statements described in one step before "and N more"
MAX_BRIEF = 2  # nodes described inside a nested body
MAX_CALLS = 6  # calls named in a folded "N more steps"
MAX_ARGS = 4  # arguments shown with a call

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


_CYRILLIC = re.compile("[А-Яа-яЁё]")
_LATIN = re.compile("[A-Za-z]")


def foreign(cat: Catalog, text: str) -> str:
    """A docstring's sentence as a page in another language shows it: marked as quoted text
    (catalog ``word.foreign``) when it has no word of the page's script. Only Russian pages
    mark English text today."""
    if cat.lang == "ru" and _LATIN.search(text) and not _CYRILLIC.search(text):
        return cat.t("word.foreign", text=text)
    return text


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
        hidden = groups[len(head) : -1]
        more = sentence(self._more(len(hidden), hidden, "clause.more_steps"))
        return (*(self._step(group) for group in head), more, self._step(last))

    def _more(self, n: int, groups: Sequence[Sequence[FlowNode]], key: str) -> str:
        """ "N more steps" that still names the calls made in them: a long body may fold its
        statements, never hide the calls it exists for."""
        calls = list(dict.fromkeys(c for g in groups for node in g for c in _calls_in(node)))
        if not calls:
            return self.cat.plural(n, key)
        keep = items_shown(len(calls), MAX_CALLS)
        names = [code(c, 60) for c in calls[:keep]]
        if len(calls) > keep:
            names.append(self.cat.plural(len(calls) - keep, "clause.more_calls"))
        return self.cat.plural(n, key + "_calls", calls=join_list(self.cat, names))

    def _step(self, group: list[FlowNode]) -> str:
        return sentence(self._group_clause(group, deep=True))

    def brief(self, nodes: Sequence[FlowNode]) -> str:
        """A short clause for a nested body: at most two groups, then "and N more"."""
        groups = self._groups(nodes)
        if not groups:
            return self.cat.t("clause.nothing")
        keep = MAX_BRIEF
        if len(groups) == MAX_BRIEF + 1 and groups[-1][0].kind not in _COMPOUND:
            keep += 1  # one simple statement more: said, not counted (a compound one's
            # short clause would not name the calls in it, as the fold does)
        parts = [self._group_clause(group, deep=False) for group in groups[:keep]]
        text = self.cat.t("word.then").join(parts)
        hidden = sum(len(g) for g in groups[keep:])
        if hidden:
            more = self._more(hidden, groups[keep:], "clause.more_statements")
            text += self.cat.t("word.then") + more
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
        keep = items_shown(len(group), MAX_RUN)
        for node in group[:keep]:
            callee = self._pure_call(node)
            if callee is not None and not node.args:  # a call with arguments: its own clause
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
        if len(group) > keep:
            rest = group[keep:]
            extra = self._more(len(rest), [rest], "clause.more_statements")
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
            value = strip_keyword(label, "return")
            return t("clause.return", value=code(value)) if value else t("clause.return_bare")
        if kind is FlowKind.RAISE:
            value = strip_keyword(label, "raise")
            return t("clause.raise", exc=code(value)) if value else t("clause.reraise")
        if kind is FlowKind.YIELD:
            value = strip_keyword(strip_keyword(label, "yield"), "from")
            return t("clause.yield", value=code(value)) if value else t("clause.yield_bare")
        if kind is FlowKind.BREAK:
            return t("clause.break")
        if kind is FlowKind.CONTINUE:
            return t("clause.continue")
        if kind is FlowKind.ASSERT:
            return t("clause.assert", cond=code(strip_keyword(label, "assert")))
        if kind is FlowKind.DEF:
            name = def_name(label)
            key = "clause.def_class" if label.lstrip().startswith("class ") else "clause.def"
            return t(key, name=code(name))
        if not deep:
            return self._short(node)
        if kind is FlowKind.IF:
            return self._if(node)
        if kind is FlowKind.FOR:
            return self._for(node)
        if kind is FlowKind.WHILE:
            test = strip_keyword(label, "while")
            body = self._branch_body(node, 0)
            if test in ("True", "1"):
                text = t("clause.while_forever", cond=code(f"while {test}"), body=body)
            else:
                text = t("clause.while", cond=code(test), body=body)
            return text + self._loop_else(node)
        if kind is FlowKind.TRY:
            return self._try(node)
        if kind is FlowKind.WITH:
            target = code(strip_keyword(strip_keyword(label, "async"), "with"))
            key = "clause.with_async" if node.is_async else "clause.with"
            return t(key, target=target, body=self._branch_body(node, 0))
        if kind is FlowKind.MATCH:
            cases = [
                t(
                    "clause.case",
                    pattern=code(strip_keyword(b.label, "case")),
                    body=self.brief(b.body),
                )
                for b in node.branches
            ]
            subject = code(strip_keyword(label, "match"))
            return t("clause.match", subject=subject, cases="; ".join(cases))
        return t("clause.statement", stmt=code(label))

    def _short(self, node: FlowNode) -> str:
        t = self.cat.t
        label = node.label
        if node.kind is FlowKind.IF:
            return t("clause.if_short", cond=code(if_label(node)))
        if node.kind is FlowKind.FOR:
            target, iterable = split_for(label)
            key = "clause.for_short_async" if node.is_async else "clause.for_short"
            return t(key, iterable=code(iterable), target=code(target))
        if node.kind is FlowKind.WHILE:
            return t("clause.while_short", cond=code(strip_keyword(label, "while")))
        if node.kind is FlowKind.TRY:
            return t("clause.try_short")
        if node.kind is FlowKind.WITH:
            target = code(strip_keyword(strip_keyword(label, "async"), "with"))
            key = "clause.with_short_async" if node.is_async else "clause.with_short"
            return t(key, target=target)
        return t("clause.match_short", subject=code(strip_keyword(label, "match")))

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
            cond = code(strip_keyword(strip_keyword(branch.label, "elif"), "if"))
            if i == 0:
                parts.append(t("clause.if", cond=cond or code(node.label), then=body))
            elif role == "else" or not branch.label or branch.label == "else":
                parts.append(t("clause.else", then=body))
            else:
                parts.append(t("clause.elif", cond=cond, then=body))
        if not parts:
            return t("clause.if_short", cond=code(strip_keyword(node.label, "if")))
        return "; ".join(parts)

    def _for(self, node: FlowNode) -> str:
        target, iterable = split_for(node.label)
        text = self.cat.t(
            "clause.for_async" if node.is_async else "clause.for",
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
                exc = except_name(branch.label)
                if exc:
                    parts.append(t("clause.except", exc=code(exc), body=body))
                else:
                    parts.append(t("clause.except_any", body=body))
        return "; ".join(parts) if parts else t("clause.try_short")

    def statement(self, node: FlowNode) -> str:
        """A plain statement as a clause, read from its source text when it parses."""
        t = self.cat.t
        label = node.label.strip()
        stmt = node_statement(node)
        if stmt is None:
            return self._unparsed(node)
        kind = stmt.kind
        if kind in ("pass", "ellipsis"):
            return t(f"clause.{kind}")
        if kind in ("call", "await_call"):
            return t(f"clause.{kind}", callee=self._called(stmt.callee, node.args))
        if kind == "await":
            return t("clause.await", expr=code(stmt.value))
        if kind in ("assign_call", "assign_await"):
            callee = self._called(stmt.callee, node.args)
            return t(f"clause.{kind}", callee=callee, target=code(stmt.target))
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
        m = ASSIGN.match(label)
        if m and callee and m.group(2).startswith(callee + "("):
            called = self._called(callee, node.args)
            return t("clause.assign_call", callee=called, target=code(m.group(1)))
        if callee and label.startswith(callee + "("):
            return t("clause.call", callee=self._called(callee, node.args))
        return t("clause.statement", stmt=code(label))

    def _called(self, callee: str, args: Sequence[str]) -> str:
        """The callee quoted, with the arguments it is given (``with arguments `model="x"`,
        `stream=True```): the call's values are what a reader needs to know about it."""
        if not args or all(a == "…" for a in args):  # nothing shown but elisions: no news
            return code(callee)
        keep = items_shown(len(args), MAX_ARGS)
        values = [code(a, 60) for a in args[:keep]]
        if len(args) > keep:
            values.append(self.cat.plural(len(args) - keep, "clause.more_args"))
        key = "clause.arg" if len(args) == 1 else "clause.args"
        return self.cat.t(key, callee=code(callee), args=join_list(self.cat, values))

    def _pure_call(self, node: FlowNode) -> str | None:
        """The callee (quoted) when the statement is nothing but a call."""
        stmt = node_statement(node)
        if stmt is not None and stmt.kind == "call":
            return code(stmt.callee)
        return None


# -------------------------------------------------------------------- label helpers


def _calls_in(node: FlowNode) -> Iterator[str]:
    """The callees of a node and of everything nested in it, in order."""
    yield from node.calls
    for branch in node.branches:
        for inner in branch.body:
            yield from _calls_in(inner)
