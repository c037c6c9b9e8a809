"""Control-flow trees built by docgen.flow, seen through extract_source."""

from __future__ import annotations

import sys
import textwrap

import pytest

from docgen.extract import extract_source
from docgen.model import FlowKind, FlowNode


def flow_of(code: str) -> tuple[FlowNode, ...]:
    """The flow of the first function in ``code``."""
    info = extract_source(textwrap.dedent(code), module="m", path="m.py")
    return info.functions[0].flow


def test_if_elif_else_is_one_node_with_branches():
    (node,) = flow_of(
        """
        def f(x):
            if x > check(1):
                a()
            elif x < 0:
                b()
            elif x == 0:
                pass
            else:
                c()
        """
    )
    assert node.kind is FlowKind.IF
    assert node.label == "x > check(1)"
    assert node.line == 3
    assert [(b.role, b.label) for b in node.branches] == [
        ("if", "x > check(1)"),
        ("elif", "x < 0"),
        ("elif", "x == 0"),
        ("else", "else"),
    ]
    assert node.calls == ("check",)  # only the header's calls, not the bodies'
    assert node.branches[3].body[0].calls == ("c",)


def test_else_with_nested_if_is_not_an_elif():
    (node,) = flow_of(
        """
        def f(x):
            if x:
                pass
            else:
                if y:
                    pass
        """
    )
    assert [b.role for b in node.branches] == ["if", "else"]
    assert node.branches[1].body[0].kind is FlowKind.IF


def test_loops_with_else_and_async_for():
    for_node, while_node, async_node = flow_of(
        """
        async def f(items):
            for i, item in enumerate(items):
                if item:
                    break
                continue
            else:
                done()
            while not ready():
                wait()
            async for chunk in stream():
                yield chunk
        """
    )
    assert for_node.kind is FlowKind.FOR
    assert for_node.label == "i, item in enumerate(items)"
    assert for_node.calls == ("enumerate",)
    assert [b.role for b in for_node.branches] == ["body", "else"]
    body = for_node.branches[0].body
    assert body[0].branches[0].body[0].kind is FlowKind.BREAK
    assert body[1].kind is FlowKind.CONTINUE
    assert while_node.kind is FlowKind.WHILE
    assert while_node.label == "not ready()"
    assert async_node.kind is FlowKind.FOR
    assert async_node.branches[0].body[0].kind is FlowKind.YIELD


def test_try_except_else_finally():
    (node,) = flow_of(
        """
        def f():
            try:
                risky()
            except (KeyError, IndexError) as err:
                log(err)
            except ValueError:
                raise
            except:
                pass
            else:
                ok()
            finally:
                close()
        """
    )
    assert node.kind is FlowKind.TRY
    assert [(b.role, b.label) for b in node.branches] == [
        ("body", ""),
        ("except", "(KeyError, IndexError) as err"),
        ("except", "ValueError"),
        ("except", ""),
        ("else", "else"),
        ("finally", "finally"),
    ]
    assert node.branches[2].body[0].kind is FlowKind.RAISE


def test_except_star():
    (node,) = flow_of(
        """
        def f():
            try:
                run()
            except* OSError:
                pass
        """
    )
    assert node.kind is FlowKind.TRY
    assert node.branches[1].label == "OSError"


def test_with_items_label_and_calls():
    (node,) = flow_of(
        """
        def f(path):
            with open(path) as fh, lock:
                fh.read()
        """
    )
    assert node.kind is FlowKind.WITH
    assert node.label == "open(path) as fh, lock"
    assert node.calls == ("open",)
    assert node.branches[0].body[0].calls == ("fh.read",)


def test_match_cases_with_guards():
    (node,) = flow_of(
        """
        def f(command):
            match command.split():
                case ["go", direction] if valid(direction):
                    go(direction)
                case Point(x=0, y=0):
                    pass
                case _:
                    return None
        """
    )
    assert node.kind is FlowKind.MATCH
    assert node.label == "command.split()"
    assert [b.label for b in node.branches] == [
        '["go", direction] if valid(direction)',
        "Point(x=0, y=0)",
        "_",
    ]
    assert {b.role for b in node.branches} == {"case"}
    assert node.calls == ("command.split", "valid")
    assert node.branches[2].body[0].kind is FlowKind.RETURN


def test_simple_statement_kinds_and_labels():
    nodes = flow_of(
        """
        def f(x):
            assert x, "x is required"
            y = x + 1; print(y)
            yield from g(y)
            return y
        """
    )
    assert [(n.kind, n.label) for n in nodes] == [
        (FlowKind.ASSERT, 'assert x, "x is required"'),
        (FlowKind.STATEMENT, "y = x + 1"),
        (FlowKind.STATEMENT, "print(y)"),
        (FlowKind.YIELD, "yield from g(y)"),
        (FlowKind.RETURN, "return y"),
    ]
    assert [n.line for n in nodes] == [3, 4, 4, 5, 6]


def test_statement_shapes_are_read_where_the_file_is_parsed():
    # what the offline writer would get by parsing each label again, without that parse
    from docgen.write.offline.labels import statement

    nodes = flow_of(
        """
        def f(self, x):
            self.total = compute(x, key="ключ")
            result = await fetch(x)
            await asyncio.sleep(0)
            await pending
            self.n += 1
            del self.cache[x], other
            import os.path
            from . import sibling as s
            items: list[int] = []
            count: int
            pass
            ...
            payload = {"model": "gpt", "messages": [{"role": "user", "content": "x" * 100}], "n": 1}
            print(f"{x!r}")
        """
    )
    plain = [n for n in nodes if n.kind is FlowKind.STATEMENT]
    assert len(plain) == 14
    shortened = [n for n in plain if "…" in n.label]
    assert [n.shape for n in shortened] == [None]  # its label is not its text: parsed later
    for node in plain:
        if node not in shortened:
            assert node.shape is not None, node.label
            assert node.shape == statement(node.label), node.label
    kinds = [n.shape.kind for n in plain if n.shape is not None]
    assert kinds == [
        "assign_call", "assign_await", "await_call", "await", "augassign", "delete", "import",
        "import", "assign", "annotate", "pass", "ellipsis", "call",
    ]  # fmt: skip


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="this ast reads PEP 695 itself")
def test_a_masked_file_gives_no_statement_shapes():
    # under a masked text (newer syntax than this Python's ast reads) a stand-in is not what
    # the statement is: the writer reads the label itself
    info = extract_source(
        textwrap.dedent(
            """
            type Alias[T] = list[T]

            def f[T](x: T) -> T:
                y = x
                return y
            """
        ),
        module="m",
        path="m.py",
    )
    (node, _) = info.functions[0].flow
    assert node.label == "y = x" and node.shape is None


def test_nested_def_and_class_are_single_nodes():
    nodes = flow_of(
        """
        def outer():
            @cache(size())
            def inner(a=default()):
                hidden()
            class Local(Base):
                pass
            return inner
        """
    )
    assert [(n.kind, n.label) for n in nodes[:2]] == [
        (FlowKind.DEF, "def inner"),
        (FlowKind.DEF, "class Local"),
    ]
    assert nodes[0].branches == ()
    assert nodes[0].calls == ("cache", "size", "default")  # run in outer, unlike hidden()


def test_long_multiline_label_is_one_line_and_truncated():
    (node,) = flow_of(
        """
        def f():
            result = compute(
                "a very long argument that goes on and on",
                another_argument_name_that_is_long=True,
            )
        """
    )
    assert "\n" not in node.label
    # shortened at a syntax boundary, never inside the string: the keyword stays
    assert node.label == "result = compute(…, another_argument_name_that_is_long=…)"
    # the step shows the arguments one by one; the long string is elided whole
    assert node.args == ('"…"', "another_argument_name_that_is_long=True")


def test_a_long_string_is_elided_whole_never_cut_inside() -> None:
    from docgen.markup import shorten_code

    words = "word " * 30
    assert shorten_code(f'message = "{words}"', 80) == 'message = "…"'
    assert shorten_code(f"x = f'{{a}}{words}' + y", 40) == "x = f'…' + y"
    assert shorten_code('s = "a \\" b" + "' + words + '"', 40) == 's = "a \\" b" + "…"'
