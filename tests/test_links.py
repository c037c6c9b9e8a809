"""Cross-links, call-graph blocks and diagrams on real pages: what a run links, what it must
not touch, how partial reruns keep links right, and Mermaid text no code can break."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from docgen.cli import main
from docgen.extract import extract_source
from docgen.extract.graph import ProjectGraph
from docgen.extract.symbols import module_symbols
from docgen.model import FlowBranch, FlowKind, FlowNode
from docgen.render import Renderer
from docgen.render.crosslink import call_graph
from docgen.render.diagrams import MAX_MODULES, MAX_NODES, flowchart, label, module_graph
from docgen.render.links import fill_blocks, fill_blocks_utf8, graph_mark, link, unlink

HERE = Path(__file__).parent
PKG = HERE / "fixtures" / "graphpkg"
LINK = re.compile(r"\[`([^`]+)`\]\(([^)]*)\)")


def one_module_graph(source: str, name: str = "m") -> ProjectGraph:
    module = extract_source(source, module=name, path=f"{name}.py")
    return ProjectGraph([module_symbols(module, reference=f"{name}.md", usage=f"u/{name}.md")])


GRAPH = one_module_graph("def helper():\n    pass\n\n\ndef main():\n    helper()\n")


def no_blocks(uid: str, page: str) -> str:
    return ""


def test_names_in_prose_become_links_and_code_stays_code() -> None:
    text = (
        '### <a id="main"></a>`main`\n\n'
        "Calls `helper` and `helper()`, not `print` nor `x = helper()`.\n\n"
        "```python\nhelper()  # `helper`\n```\n\n"
        "## `helper` in a heading\n\n"
        "Already [`helper`](elsewhere.md) and escaped \\[`helper`\\](evil.md).\n"
    )
    out, depends = link(text, page="m.md", module="m", graph=GRAPH, blocks=no_blocks)
    assert "Calls [`helper`](#helper) and [`helper()`](#helper)" in out
    assert "`print`" in out and "`x = helper()`" in out  # not names of the project / not names
    assert "```python\nhelper()  # `helper`\n```" in out  # fenced code untouched
    assert "## `helper` in a heading" in out
    assert "[`helper`](elsewhere.md)" in out  # links already there stay as they are
    # a model's text reaches the page escaped: "\[" can never become a link of its choosing
    assert "\\[[`helper`](#helper)\\](evil.md)" in out
    assert depends == set()  # all on its own page
    assert unlink(out) == text.replace("[`helper`](elsewhere.md)", "`helper`")


def test_fences_of_every_kind_keep_their_names_and_lines_after_them_are_linked() -> None:
    text = (
        "`helper` first\n"
        "````md\n```\n`helper` still in the four-backtick fence\n````\n"
        "after `helper`\n"
        "   ~~~\n```\n`helper` in tildes, not closed by backticks\n   ~~~~\n"
        "and `helper`; ``helper`` and ```helper``` are code, \\`helper` is escaped\n"
        "<!-- docgen:graph m:x -->\n"
        "`helper` again\n"
        "```\n`helper` in a fence never closed\n\n`helper`"
    )
    out, _ = link(text, page="m.md", module="m", graph=GRAPH,
                  blocks=lambda uid, page: "`helper` in a block")  # fmt: skip
    linked = "[`helper`](#helper)"
    assert out.split("\n")[0] == f"{linked} first"
    assert "`helper` still in the four-backtick fence" in out
    assert f"after {linked}\n" in out
    assert "`helper` in tildes, not closed by backticks" in out
    assert f"and {linked}; ``helper`` and ```helper``` are code, \\`helper` is escaped" in out
    assert "\n\n`helper` in a block\n\n<!-- /docgen:graph -->\n" in out  # blocks stay as made
    assert f"\n{linked} again\n" in out
    assert out.endswith("```\n`helper` in a fence never closed\n\n`helper`")
    assert out.count(linked) == 4
    assert unlink(out) == text


def test_names_after_a_section_with_an_empty_block_are_linked() -> None:
    """A unit with no calls either way keeps a bare mark; the sections after it still link
    (they were left as plain text up to the next filled block's end)."""
    text = (
        '### <a id="helper"></a>`helper`\n\n'
        f"{graph_mark('m:helper')}\n\n"
        '### <a id="other"></a>`other`\n\n'
        "Uses `main`.\n"
    )
    out, depends = link(text, page="m.md", module="m", graph=GRAPH, blocks=no_blocks)
    assert "Uses [`main`](#main).\n" in out
    assert out.count(graph_mark("m:helper")) == 1 and depends == set()


def test_names_are_linked_from_the_symbol_table_without_the_calls() -> None:
    """What the linkers do while the calls are built: names need no call of the graph's."""

    class SymbolsOnly(ProjectGraph):
        def add_calls(self) -> None:
            raise AssertionError("the calls were asked for")

    module = extract_source(
        "def helper():\n    pass\n\n\ndef main():\n    helper()\n", module="m", path="m.py"
    )
    graph = SymbolsOnly([module_symbols(module, reference="m.md", usage="u/m.md")])
    text = f'### <a id="main"></a>`main`\n\nCalls `helper`.\n\n{graph_mark("m:main")}\n'
    out, _ = link(text, page="m.md", module="m", graph=graph)
    assert "Calls [`helper`](#helper)." in out
    assert out.endswith(graph_mark("m:main") + "\n")  # the block waits for the calls
    with pytest.raises(AssertionError, match="calls were asked"):
        link(text, page="m.md", module="m", graph=graph, blocks=no_blocks)


def test_blocks_filled_in_utf8_are_the_blocks_filled_in_text() -> None:
    """The linked pages' bytes path finds the marks the block pattern finds, and no others."""
    renderer = Renderer()
    mark = graph_mark("m:helper")
    texts = [
        f"{mark}\nintro «ё»\n\nquoted: {mark}\n{mark}\n",
        f"{graph_mark('m:main')}\n{graph_mark('m')}\n{mark}",  # the last one has no newline
        "<!-- docgen:graph  -->\n<!-- docgen:graph m:helper-->\n<!-- docgen:graph m:x y -->\n",
        f"{mark}\n\n**old**\n\n<!-- /docgen:graph -->\n{mark}\n",  # filled before
        "no marks at all\n",
    ]
    for text in texts:
        kw = dict(page="m.md", module="m", graph=GRAPH,
                  blocks=lambda uid, page: call_graph(renderer, GRAPH, uid, page))  # fmt: skip
        data, depends = fill_blocks_utf8(text.encode(), **kw)  # type: ignore[arg-type]
        assert (data.decode(), depends) == fill_blocks(text, **kw)  # type: ignore[arg-type]
    assert "**Вызывается из**" in fill_blocks_utf8(texts[0].encode(), **kw)[0].decode()


def test_a_section_does_not_link_to_itself() -> None:
    text = '### <a id="helper"></a>`helper`\n\nThe `helper` is called by `main`.\n'
    out, _ = link(text, page="m.md", module="m", graph=GRAPH, blocks=no_blocks)
    assert "The `helper` is called by [`main`](#main)." in out


def test_call_graph_blocks_are_filled_and_taken_back() -> None:
    renderer = Renderer()
    text = f"intro\n\n{graph_mark('m:helper')}\n\nafter\n"
    out, _ = link(text, page="m.md", module="m", graph=GRAPH,
                  blocks=lambda uid, page: call_graph(renderer, GRAPH, uid, page))  # fmt: skip
    assert "**Вызывается из**:\n\n- [`main`](#main): `helper()`" in out
    assert unlink(out) == text
    again, _ = link(unlink(out), page="m.md", module="m", graph=GRAPH,
                    blocks=lambda uid, page: call_graph(renderer, GRAPH, uid, page))  # fmt: skip
    assert again == out  # linking is a round trip


def test_only_a_mark_at_a_line_start_is_a_block() -> None:
    renderer = Renderer()
    mark = graph_mark("m:helper")
    text = f"{mark}\n\nquoted: {mark}\n\nafter\n{mark}\n"
    out, _ = link(text, page="m.md", module="m", graph=GRAPH,
                  blocks=lambda uid, page: call_graph(renderer, GRAPH, uid, page))  # fmt: skip
    assert out.count("**Вызывается из**") == 2  # the page's first line and the last
    assert f"quoted: {mark}\n" in out
    assert unlink(out) == text


def test_many_callers_are_cut_with_a_count() -> None:
    callers = "".join(f"def c{i}():\n    helper()\n\n\n" for i in range(30))
    graph = one_module_graph("def helper():\n    pass\n\n\n" + callers)
    block = call_graph(Renderer(), graph, "m:helper", "m.md")
    assert block.count("\n- [`c") == 20
    assert "и ещё 10 вызовов" in block


# ------------------------------------------------------------------------------------ diagrams

NASTY = [
    'say("a --> b | c; d")',
    "x = {'k': [1, 2]} # comment",
    "<script>alert(1)</script> & `tick`",
    "Привет, мир — ещё «кавычки» и \\ обратная черта",
    "y = " + "very_long_name + " * 30,
    "end",
    "a[0](b){c}",
]
_NODE = re.compile(r'^    n\d+(\[|\{|\(\[|\{\{|\[/)"[^"]*"(\]|\}|\]\)|\}\}|/\])$')
_EDGE = re.compile(r'^    n\d+ -->(\|"[^"]*"\|)? n\d+$')


def _tree(labels: list[str]) -> tuple[FlowNode, ...]:
    body = tuple(FlowNode(FlowKind.STATEMENT, text, i) for i, text in enumerate(labels))
    branches = (FlowBranch(labels[0], body, "if"), FlowBranch("", body[:1], "else"))
    loop = FlowNode(FlowKind.FOR, labels[1], 1, (FlowBranch("", body, "body"),), is_async=True)
    stop = FlowNode(FlowKind.RETURN, labels[2], 9)
    return (FlowNode(FlowKind.IF, labels[0], 1, branches), loop, stop)


def t(key: str, **kw: object) -> str:
    return Renderer().catalog.t(key, **kw)


def test_every_flowchart_line_is_a_node_or_an_edge_whatever_the_code_says() -> None:
    chart = flowchart(_tree(NASTY), t)
    lines = chart.splitlines()
    assert lines[0] == "flowchart TD"
    for line in lines[1:]:
        assert _NODE.match(line) or _EDGE.match(line), line
    for quoted in re.findall(r'"([^"]*)"', chart):
        bare = re.sub(r"#\w+;", "", quoted)  # every syntax character is an entity
        assert not re.search(r"[;<>|`\\{}#]", bare), quoted
    assert "async for" in chart and "#lt;script#gt;" in chart and "Привет" in chart


def test_a_long_body_is_cut_to_a_readable_chart() -> None:
    body = tuple(FlowNode(FlowKind.STATEMENT, f"step_{i}()", i) for i in range(200))
    loop = FlowNode(FlowKind.FOR, "x in xs", 1, (FlowBranch("", body, "body"),))
    chart = flowchart((loop,), t)
    assert len(re.findall(r"^    n\d+[\[{(]", chart, re.MULTILINE)) <= MAX_NODES + 2
    assert "… ещё шагов:" in chart


def test_module_graph_keeps_the_most_connected() -> None:
    names = [f"pkg.m{i}" for i in range(60)]
    imports = {n: ["pkg.m0"] for n in names[1:50]}
    chart, cut = module_graph(names, imports, short=lambda n: n)
    assert cut == 60 - MAX_MODULES
    assert '"pkg.m0"' in chart and '"pkg.m59"' not in chart


def test_a_straight_body_gets_no_chart() -> None:
    body = tuple(FlowNode(FlowKind.STATEMENT, f"step_{i}()", i) for i in range(3))
    assert flowchart(body, t) == ""


def test_label_escapes_and_cuts() -> None:
    assert label('a"b') == '"a#quot;b"'
    assert len(label("x" * 500)) < 70


# --------------------------------------------------------------------------- runs and reruns


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(PKG, tmp_path / "graphpkg")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def page(project: Path, name: str) -> str:
    return (project / "docs" / "reference" / "graphpkg" / name).read_text(encoding="utf-8")


def strict_build(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q"],
        cwd=project, capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_a_run_links_across_modules_and_the_strict_build_passes(project: Path) -> None:
    assert main(["graphpkg", "-q"]) == 0
    util = page(project, "util.md")
    assert (
        "- [`graphpkg.service.place_order`](service.md#place_order): `return notify(order)`" in util
    )
    service = page(project, "service.md")
    assert "[`graphpkg.util.Notifier.send`](util.md#Notifier.send)" in service
    assert "[заметка об использовании](../../usage/graphpkg/service.md)" in service
    assert "```mermaid" not in service  # straight lines of statements: the steps say it all
    assert "```mermaid\nflowchart TD" in page(project, "models.md")  # validate's if
    assert "```mermaid\nflowchart LR" in page(project, "index.md")  # the package's modules
    built = strict_build(project)
    assert built.returncode == 0, built.stderr


def test_a_partial_rerun_relinks_only_the_pages_the_change_reaches(project: Path) -> None:
    assert main(["graphpkg", "-q"]) == 0
    before = {p: p.stat().st_mtime_ns for p in (project / "docs").rglob("*.md")}
    cli = project / "graphpkg" / "cli.py"
    cli.write_text(cli.read_text().replace("    return 0\n", "    graphpkg.util.log('x')\n"
                                           "    return 0\n"), encoding="utf-8")  # fmt: skip
    assert main(["graphpkg", "-q"]) == 0
    util = page(project, "util.md")
    assert "[`graphpkg.cli.main`](cli.md#main): `graphpkg.util.log('x')`" in util  # new caller
    changed = {p.name for p, t in before.items() if p.stat().st_mtime_ns != t}
    assert "models.md" not in changed  # nothing of models changed: not rewritten
    assert {"cli.md", "util.md"} <= changed
    # the function goes away: every page that linked it drops the link, the build stays strict
    util_py = project / "graphpkg" / "util.py"
    util_py.write_text(util_py.read_text().replace("def log(", "def _log_gone("), "utf-8")
    assert main(["graphpkg", "-q"]) == 0
    assert "util.md#log" not in page(project, "service.md")
    built = strict_build(project)
    assert built.returncode == 0, built.stderr


def test_a_rerun_with_no_change_reads_and_writes_nothing(project: Path) -> None:
    assert main(["graphpkg", "-q"]) == 0
    before = {p: p.stat().st_mtime_ns for p in (project / "docs").rglob("*")}
    assert main(["graphpkg", "-q", "--format", "json"]) == 0
    assert {p: p.stat().st_mtime_ns for p in (project / "docs").rglob("*")} == before


def test_text_diagrams_and_a_bundled_mermaid_script(project: Path) -> None:
    script = project / "mermaid.min.js"
    script.write_text("window.mermaid = {};\n", encoding="utf-8")
    assert main(["graphpkg", "-q", "--diagrams", "text", "--mermaid-js", str(script)]) == 0
    service = page(project, "service.md")
    assert "```mermaid" not in service and "├─ " in service
    yml = (project / "mkdocs.yml").read_text(encoding="utf-8")
    assert "javascripts/mermaid.min.js" in yml.split("extra_javascript:")[1].split("\n")[1]
    assert (project / "docs" / "javascripts" / "mermaid.min.js").read_text() == script.read_text()


def test_an_existing_mkdocs_yml_without_mermaid_fences_gets_one_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "mkdocs.yml").write_text(
        "site_name: Mine\nmarkdown_extensions:\n  - pymdownx.superfences\n", encoding="utf-8"
    )
    assert main(["graphpkg"]) == 0
    err = capsys.readouterr().err
    assert err.count("no mermaid custom fence") == 1


def test_forked_linkers_write_the_same_pages(project: Path, monkeypatch) -> None:
    import docgen.render.crosslink as crosslink

    assert main(["graphpkg", "-q", "--jobs", "2"]) == 0
    serial = {p.name: p.read_bytes() for p in (project / "docs").rglob("*.md")}
    monkeypatch.setattr(crosslink, "PARALLEL_FROM", 1)
    here, real = os.getpid(), crosslink.linked

    def in_a_child(*args):
        assert os.getpid() != here, "linked in the main process"
        return real(*args)

    monkeypatch.setattr(crosslink, "linked", in_a_child)
    assert main(["graphpkg", "-q", "--jobs", "2", "--force"]) == 0
    assert {p.name: p.read_bytes() for p in (project / "docs").rglob("*.md")} == serial


def test_a_lost_cache_redoes_the_carried_modules_once(project: Path, capsys) -> None:
    import json

    assert main(["graphpkg", "-q", "--format", "json"]) == 0
    first = json.loads(capsys.readouterr().out)["quality"]["counts"]["units"]
    shutil.rmtree(project / ".docgen")  # the graph records of the unchanged modules are gone
    util = project / "graphpkg" / "util.py"
    util.write_text(util.read_text() + "\n\ndef extra():\n    log('x')\n", encoding="utf-8")
    assert main(["graphpkg", "-q", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["quality"]["counts"]["units"] == first + 1  # each unit counted once
    assert report["modules"] == 5  # the carried modules were redone for their records
    assert "graphpkg.util:extra -->\n\n**Вызывает**: [`log`](#log)." in page(project, "util.md")
    assert strict_build(project).returncode == 0


def test_a_usage_note_shows_the_entry_other_modules_use_most(tmp_path, monkeypatch) -> None:
    """By calls from other modules, then by position; a partial rerun that changes who calls
    what changes the carried module's note the same way a full run would."""
    pkg = tmp_path / "lib"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "tools.py").write_text(
        "def first(x: int) -> int:\n    return x\n\n\n"
        "def second(name: str) -> str:\n    return name\n\n\n"
        "class Third:\n    def run(self) -> None:\n        pass\n"
    )
    app = pkg / "app.py"
    app.write_text("from lib.tools import second\n\n\ndef main():\n    second('a')\n")
    monkeypatch.chdir(tmp_path)
    note = tmp_path / "docs" / "usage" / "lib" / "tools.md"

    def example() -> str:
        text = note.read_text(encoding="utf-8")
        return text.split("<!-- docgen:entry -->\n", 1)[1].split("\n<!-- /docgen:entry -->")[0]

    assert main(["lib", "-q"]) == 0
    assert "second(" in example() and "first(" not in example()
    # now the class is used most (a method call counts for its class): a partial rerun
    app.write_text(
        "from lib.tools import Third, second\n\n\ndef main():\n    Third().run()\n"
        "    Third().run()\n    second('a')\n"
    )
    assert main(["lib", "-q"]) == 0
    assert "Third()" in example()
    fresh = tmp_path / "fresh"
    shutil.copytree(pkg, fresh / "lib")
    monkeypatch.chdir(fresh)
    assert main(["lib", "-q"]) == 0  # a full run in a new place agrees
    again = fresh / "docs" / "usage" / "lib" / "tools.md"
    assert again.read_text(encoding="utf-8") == note.read_text(encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    # nobody calls it any more: the first entry again
    app.write_text("def main():\n    return 0\n")
    assert main(["lib", "-q"]) == 0
    assert "first(" in example()
