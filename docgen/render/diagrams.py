"""Mermaid diagrams drawn from the code, never from a model: a function's control flow as a
flowchart (:func:`flowchart`) and a package's modules with their imports (:func:`module_graph`).

Every label is quoted and escaped character by character (:func:`label`), so no code text (quotes,
brackets, ``-->``, ``|``, ``;``, ``#``, HTML) can end a label or start a statement. Diagrams are
kept to a size a reader can follow and Mermaid draws quickly: past :data:`MAX_NODES` the rest of
a body becomes one "…" node, and a module graph keeps its :data:`MAX_MODULES` most connected
modules (the page says so).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from docgen.markup import one_line, shorten_code
from docgen.model import FlowKind, FlowNode

__all__ = ["MAX_MODULES", "MAX_NODES", "flowchart", "label", "module_graph"]

MAX_NODES = 40
MAX_MODULES = 40
WIDTH = 60  # characters of code in one label

_ENTITIES = {
    '"': "#quot;", "#": "#35;", ";": "#59;", "<": "#lt;", ">": "#gt;", "&": "#amp;",
    "`": "#96;", "\\": "#92;", "|": "#124;", "{": "#123;", "}": "#125;",
}  # fmt: skip
_TABLE = str.maketrans(_ENTITIES)

Words = Callable[..., str]  # the catalog's t(key, **kw)


def label(text: str, width: int = WIDTH) -> str:
    """``text`` as a quoted Mermaid label: one line, cut to ``width``, every character that
    Mermaid or HTML reads as syntax written as an entity."""
    return '"' + shorten_code(one_line(text), width).translate(_TABLE) + '"'


class _Chart:
    def __init__(self, t: Words) -> None:
        self.t = t
        self.lines: list[str] = ["flowchart TD"]
        self.count = 0
        self.loops: list[tuple[str, list[tuple[str, str]]]] = []  # (head, break exits)

    def node(self, text: str, shape: str = "box") -> str:
        self.count += 1
        name = f"n{self.count}"
        open_, close = {"box": ("[", "]"), "cond": ("{", "}"), "end": ("([", "])"),
                        "loop": ("{{", "}}"), "io": ("[/", "/]")}[shape]  # fmt: skip
        self.lines.append(f"    {name}{open_}{label(text)}{close}")
        return name

    def edges(self, sources: Sequence[tuple[str, str]], target: str) -> None:
        for source, text in sources:
            arrow = f" -->|{label(text, 30)}| " if text else " --> "
            self.lines.append(f"    {source}{arrow}{target}")

    def chain(self, nodes: Sequence[FlowNode], incoming: list[tuple[str, str]]) -> list:
        for i, node in enumerate(nodes):
            if not incoming:
                return []  # after return/raise: unreachable in this path
            if self.count >= MAX_NODES:
                more = self.node(self.t("flow.more", n=len(nodes) - i))
                self.edges(incoming, more)
                return [(more, "")]
            incoming = self.step(node, incoming)
        return incoming

    def step(self, node: FlowNode, incoming: list[tuple[str, str]]) -> list[tuple[str, str]]:
        t, kind, text = self.t, node.kind, node.label
        prefix = "async " if node.is_async else ""
        if kind is FlowKind.IF:
            return self._if(node, incoming)
        if kind in (FlowKind.FOR, FlowKind.WHILE):
            head = self.node(f"{prefix}{kind.value} {text}", "loop")
            self.edges(incoming, head)
            breaks: list[tuple[str, str]] = []
            self.loops.append((head, breaks))
            body = node.branches[0].body if node.branches else ()
            self.edges(self.chain(body, [(head, "")]), head)
            self.loops.pop()
            done = [(head, t("flow.loop_done"))]
            if len(node.branches) > 1:
                done = self.chain(node.branches[1].body, done)
            return done + breaks
        if kind is FlowKind.TRY:
            return self._try(node, incoming)
        if kind is FlowKind.WITH:
            box = self.node(f"{prefix}with {text}")
            self.edges(incoming, box)
            body = node.branches[0].body if node.branches else ()
            return self.chain(body, [(box, "")])
        if kind is FlowKind.MATCH:
            test = self.node(f"match {text}", "cond")
            self.edges(incoming, test)
            out: list[tuple[str, str]] = []
            for branch in node.branches:
                out += self.chain(branch.body, [(test, branch.label)])
            return out
        if kind in (FlowKind.RETURN, FlowKind.RAISE):
            self.edges(incoming, self.node(text or kind.value, "end"))
            return []
        if kind in (FlowKind.BREAK, FlowKind.CONTINUE) and self.loops:
            head, breaks = self.loops[-1]
            if kind is FlowKind.BREAK:
                breaks.extend(incoming)
            else:
                self.edges(incoming, head)
            return []
        box = self.node(text, "io" if kind is FlowKind.YIELD else "box")
        self.edges(incoming, box)
        return [(box, "")]

    def _if(self, node: FlowNode, incoming: list[tuple[str, str]]) -> list[tuple[str, str]]:
        t = self.t
        out: list[tuple[str, str]] = []
        for branch in node.branches:
            if branch.role in ("if", "elif"):
                test = self.node(branch.label, "cond")
                self.edges(incoming, test)
                out += self.chain(branch.body, [(test, t("flow.then"))])
                incoming = [(test, t("flow.no"))]
            else:
                out += self.chain(branch.body, incoming)
                incoming = []
        return out + incoming

    def _try(self, node: FlowNode, incoming: list[tuple[str, str]]) -> list[tuple[str, str]]:
        t = self.t
        box = self.node(t("flow.try"))
        self.edges(incoming, box)
        out: list[tuple[str, str]] = []
        body_exits: list[tuple[str, str]] = []
        final = None
        for branch in node.branches:
            if branch.role in ("", "body", "try"):
                body_exits = self.chain(branch.body, [(box, "")])
            elif branch.role == "except":
                caught = branch.label or t("flow.except_any")
                out += self.chain(branch.body, [(box, caught)])
            elif branch.role == "else":
                body_exits = self.chain(branch.body, body_exits)
            elif branch.role == "finally":
                final = branch
        out = body_exits + out
        if final is not None:
            joined = self.node(t("flow.finally"))
            self.edges(out or [(box, "")], joined)
            out = self.chain(final.body, [(joined, "")])
        return out


def flowchart(nodes: Sequence[FlowNode], t: Words) -> str:
    """The Mermaid flowchart of a body's control-flow tree: "" for a body without a branch, a
    loop or a block (a straight line of statements says nothing the steps do not)."""
    if not any(node.branches for node in nodes):
        return ""
    chart = _Chart(t)
    start = chart.node(t("flow.start"), "end")
    exits = chart.chain(nodes, [(start, "")])
    if exits:
        chart.edges(exits, chart.node(t("flow.end"), "end"))
    return "\n".join(chart.lines)


def module_graph(
    modules: Sequence[str], imports: Mapping[str, Sequence[str]], *, short: Callable[[str], str]
) -> tuple[str, int]:
    """The Mermaid graph of ``modules`` and the imports among them, and how many modules were
    left out to keep it readable (the least connected go first)."""
    wanted = set(modules)
    edges = sorted({(a, b) for a in modules for b in imports.get(a, ()) if b in wanted and a != b})
    degree = {m: 0 for m in modules}
    for a, b in edges:
        degree[a] += 1
        degree[b] += 1
    kept = sorted(modules, key=lambda m: (-degree[m], m))[:MAX_MODULES]
    keep = set(kept)
    ids = {m: f"m{i}" for i, m in enumerate(sorted(keep))}
    lines = ["flowchart LR"]
    lines += [f"    {ids[m]}[{label(short(m))}]" for m in sorted(keep)]
    lines += [f"    {ids[a]} --> {ids[b]}" for a, b in edges if a in keep and b in keep]
    return "\n".join(lines), len(modules) - len(kept)
