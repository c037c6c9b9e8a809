"""The project graph: the resolver measured against a hand-written answer key (who calls whom in
tests/fixtures/graphpkg), name resolution for links, module imports, and the symbol records."""

from __future__ import annotations

from pathlib import Path

import pytest

from docgen.discover import discover
from docgen.extract import extract_file
from docgen.extract.graph import ProjectGraph
from docgen.extract.symbols import module_symbols

PKG = Path(__file__).parent / "fixtures" / "graphpkg"

# Every call between project units in the fixture, written by hand from reading the code:
# (caller uid, callee uid). Calling a class is a call of its __init__ (own or inherited); a
# class without one is the callee itself.
ANSWER_KEY = {
    ("graphpkg.cli", "graphpkg.cli:main"),
    ("graphpkg.cli:main", "graphpkg.service:place_order"),  # through the package's re-export
    ("graphpkg.cli:main", "graphpkg.service:Service.__init__"),  # FastService() inherits it
    ("graphpkg.cli:main", "graphpkg.service:FastService.run"),
    ("graphpkg.models:make_order", "graphpkg.models:Order.__init__"),
    ("graphpkg.models:Record.save", "graphpkg.models:Record.validate"),
    ("graphpkg.models:Record.validate", "graphpkg.models:Record.key"),
    ("graphpkg.models:Order.total", "graphpkg.models:Record.validate"),  # inherited
    ("graphpkg.service:place_order", "graphpkg.models:Order.__init__"),  # imported as O
    ("graphpkg.service:place_order", "graphpkg.models:Order.total"),  # order = O(...)
    ("graphpkg.service:place_order", "graphpkg.models:Record.save"),
    ("graphpkg.service:place_order", "graphpkg.util:log"),  # import graphpkg.util as u
    ("graphpkg.service:place_order", "graphpkg.util:notify"),
    ("graphpkg.service:reorder", "graphpkg.models:Record.save"),  # previous: models.Order
    ("graphpkg.service:reorder", "graphpkg.models:make_order"),
    ("graphpkg.service:reorder", "graphpkg.models:Order.total"),  # make_order() -> Order
    ("graphpkg.service:Service.__init__", "graphpkg.util:Notifier"),  # no __init__ of its own
    ("graphpkg.service:Service.run", "graphpkg.service:Service.helper"),
    ("graphpkg.service:Service.run", "graphpkg.util:Notifier.send"),  # self.notifier = ...
    ("graphpkg.service:Service.helper", "graphpkg.service:place_order"),
    ("graphpkg.service:FastService.run", "graphpkg.service:Service.run"),  # super().run()
    ("graphpkg.service:FastService.run", "graphpkg.service:Service.helper"),
    ("graphpkg.util:notify", "graphpkg.util:log"),
    ("graphpkg.util:Notifier.send", "graphpkg.util:log"),
}


def graph_of(root: Path) -> ProjectGraph:
    found = discover([str(root)], exclude=())
    records = []
    for file in found.files:
        module = extract_file(file).module
        assert module is not None
        records.append(module_symbols(module, reference=f"{file.module}.md", usage=""))
    return ProjectGraph(records)


@pytest.fixture(scope="module")
def graph() -> ProjectGraph:
    return graph_of(PKG)


def test_resolver_precision_and_recall_on_the_answer_key(graph: ProjectGraph) -> None:
    found = {
        (caller, callee.uid)
        for caller in {c for c, _ in ANSWER_KEY} | set(graph.modules)
        for callee in graph.callees(caller)
    }
    found |= {
        (caller.uid, callee)
        for callee in {c for _, c in ANSWER_KEY}
        for caller, _, _ in graph.callers(callee)
    }
    right = found & ANSWER_KEY
    precision = len(right) / len(found)
    recall = len(right) / len(ANSWER_KEY)
    print(f"resolver on graphpkg: precision {precision:.2f}, recall {recall:.2f}, "
          f"{len(found)} edges found, {len(ANSWER_KEY)} in the key")  # fmt: skip
    assert not found - ANSWER_KEY, "wrong edges"
    assert precision >= 0.95
    assert recall >= 0.95, sorted(ANSWER_KEY - found)


def test_shadowed_and_dynamic_calls_stay_unresolved(graph: ProjectGraph) -> None:
    assert graph.callees("graphpkg.service:shadowed") == ()  # notify = print
    assert "self.client.send" not in {t.name for t in graph.callees("graphpkg.service:Service.run")}
    assert graph.resolve("graphpkg.service", "json.dumps", "place_order") is None
    assert graph.resolve("graphpkg.cli", "handlers", "main") is None


def test_callers_carry_the_calling_line(graph: ProjectGraph) -> None:
    callers = graph.callers("graphpkg.service:place_order")
    assert {(c.uid, code) for c, _, code in callers} == {
        ("graphpkg.cli:main", "graphpkg.place_order(argv[0])"),
        ("graphpkg.service:Service.helper", 'place_order("service")'),
    }
    source = (PKG / "cli.py").read_text().splitlines()
    for caller, line, code in callers:
        if caller.module == "graphpkg.cli":
            assert source[line - 1].strip() == code


@pytest.mark.parametrize(
    ("module", "name", "scope", "expected"),
    [
        ("graphpkg.cli", "graphpkg.Order", "", "graphpkg.models.Order"),  # re-export
        ("graphpkg.cli", "graphpkg.Order.total", "", "graphpkg.models.Order.total"),
        ("graphpkg.cli", "graphpkg.Order.save", "", "graphpkg.models.Record.save"),  # inherited
        ("graphpkg.service", "O", "", "graphpkg.models.Order"),
        ("graphpkg.service", "models", "", "graphpkg.models"),
        ("graphpkg.service", "u.log()", "", "graphpkg.util.log"),
        ("graphpkg.service", "self.helper", "FastService.run", "graphpkg.service.Service.helper"),
        ("graphpkg.models", "Record", "", "graphpkg.models.Record"),
        ("graphpkg.util", "logger", "", "graphpkg.util.logger"),  # a module-level name
        ("graphpkg.util", "logging.getLogger", "", None),  # not the project's
        ("graphpkg.service", "Order", "", None),  # not bound in service (imported as O)
        ("graphpkg.models", "self.validate", "", None),  # self outside a method
    ],
)
def test_names_resolve_through_imports(
    graph: ProjectGraph, module: str, name: str, scope: str, expected: str | None
) -> None:
    target = graph.resolve(module, name, scope)
    assert (target.name if target else None) == expected


def test_a_local_name_spelt_like_a_project_module_is_not_that_module(tmp_path: Path) -> None:
    (tmp_path / "errors.py").write_text("def fail():\n    pass\n")
    (tmp_path / "app.py").write_text(
        "class Reader:\n"
        "    def __init__(self, errors='strict'):\n"
        "        self.errors = errors\n"
        "\n"
        "    def read(self):\n"
        "        return self.errors\n"
        "\n"
        "\n"
        "def handle(errors):\n"
        "    return errors.fail()\n"
        "\n"
        "\n"
        "def show():\n"
        "    errors = 1\n"
        "    return errors\n"
    )
    graph = graph_of(tmp_path)

    def name(written: str, scope: str) -> str | None:
        target = graph.resolve("app", written, scope)
        return target.name if target else None

    assert name("errors", "handle") is None  # a parameter
    assert name("errors.fail", "handle") is None  # what the parameter holds is unknown
    assert name("errors", "show") is None  # a local
    assert name("errors", "Reader.__init__") is None  # the class section: its attribute
    assert name("errors", "Reader.read") is None  # self.errors, written bare in a method
    # where nothing of the code's binds it, the name is the module's, bare or dotted
    # (a module's imports are written so: "imports `errors`")
    assert name("errors", "") == "errors"
    assert name("errors.fail", "") == "errors.fail"
    assert name("errors.fail", "Reader.read") is None  # the attribute's, not the module's
    assert graph.callees("app:handle") == ()  # errors.fail() on the parameter: no edge


def test_module_imports(graph: ProjectGraph) -> None:
    assert set(graph.imports("graphpkg.service")) == {"graphpkg.util", "graphpkg.models"}
    assert set(graph.imports("graphpkg.cli")) == {"graphpkg", "graphpkg.service"}
    assert set(graph.imported_by("graphpkg.models")) == {"graphpkg", "graphpkg.service"}
    assert graph.imports("graphpkg.models") == ()


def test_class_context(graph: ProjectGraph) -> None:
    assert graph.class_attributes("graphpkg.models", "Order") == ("customer", "lines")


def test_relative_imports_from_a_package_and_a_module() -> None:
    from docgen.extract.graph import _absolute

    assert _absolute("pkg.sub", True, "x", 1) == "pkg.sub.x"
    assert _absolute("pkg.sub.mod", False, "x", 1) == "pkg.sub.x"
    assert _absolute("pkg.sub.mod", False, "", 2) == "pkg"
    assert _absolute("pkg.mod", False, "x", 3) is None  # above the top: broken code


def test_the_graph_does_not_depend_on_the_order_records_come_in(graph: ProjectGraph) -> None:
    shuffled = ProjectGraph(reversed(list(graph.modules.values())))
    for uid in ("graphpkg.util:log", "graphpkg.service:place_order", "graphpkg.models:Record.save"):
        assert shuffled.callers(uid) == graph.callers(uid)
    assert shuffled.imported_by("graphpkg.models") == graph.imported_by("graphpkg.models")
