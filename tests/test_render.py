"""The render stage: literal text, strictness, user overrides and the fixed heading scheme."""

from __future__ import annotations

import re
import textwrap

import pytest

from docgen.errors import ConfigError, TemplateError
from docgen.extract import extract_source
from docgen.markup import inline_code, signature
from docgen.model import FunctionDoc, Listed, ModuleDoc, ParamDoc, RaiseDoc, UnitContext
from docgen.render import Renderer
from docgen.render.markdown import escape_prose, fenced, split_step, tidy
from docgen.write.offline import OfflineWriter

NASTY = (
    "Use {{ x }} and {% if y %}z{% endif %} | a <b>bold</b> <script>alert(1)</script> "
    "& `code` ``` fence ```"
)


def module(source: str, name: str = "pkg.mod"):
    return extract_source(textwrap.dedent(source), module=name, path="pkg/mod.py")


def offline_docs(mod, lang="ru"):
    writer = OfflineWriter(lang=lang)
    ctx = UnitContext(mod, lang=lang)
    return {u.uid: writer.document(u, ctx) for u in (mod, *mod.all_classes(), *mod.all_functions())}


def headings(markdown: str) -> list[tuple[int, str]]:
    out, fence = [], ""
    for line in markdown.splitlines():
        m = re.match(r"^(`{3,})", line)
        if fence:
            if line.strip() == fence:
                fence = ""
            continue
        if m:
            fence = m.group(1)
            continue
        if h := re.match(r"^(#{1,6}) (.*)$", line):
            out.append((len(h.group(1)), re.sub(r'^<a id="[^"]*"></a>', "", h.group(2))))
    return out


def outside_fences(markdown: str) -> str:
    out, fence = [], ""
    for line in markdown.splitlines():
        m = re.match(r"^(`{3,})", line)
        if fence:
            fence = "" if line.strip() == fence else fence
        elif m:
            fence = m.group(1)
        else:
            out.append(line)
    return "\n".join(out)


# ------------------------------------------------------------------------------ helpers


def test_inline_code_takes_enough_backticks():
    assert inline_code("a") == "`a`"
    assert inline_code("a`b") == "`` a`b ``"
    assert inline_code("``x``") == "``` ``x`` ```"
    assert inline_code("two\n  lines") == "`two lines`"


def test_fence_is_longer_than_any_backtick_run():
    block = fenced("x = '```'\ny = '````'", "python")
    assert block.startswith("`````python\n") and block.endswith("\n`````")


def test_escape_prose_shows_text_literally():
    out = escape_prose(NASTY)
    assert "<" not in out and "&lt;script&gt;" in out and "&amp;" in out
    assert "\\{\\{ x \\}\\}" in out and "&#124;" in out
    assert "`code`" in out  # a writer's code span stays a code span
    assert "\\`\\`\\` fence \\`\\`\\`" in out
    assert escape_prose("# no heading\n---\n```") == "&#35; no heading\n&#45;--\n&#96;\\`\\`"
    assert escape_prose("- item\n1. first") == "- item\n1. first"


def test_tidy_keeps_fenced_content():
    text = "a\n\n\n\nb  \n```\nx\n\n\n\ny  \n```\n\n\n"
    assert tidy(text) == "a\n\nb\n```\nx\n\n\n\ny  \n```\n"


# ------------------------------------------------------------------------------ pages


def test_text_from_code_and_writers_is_rendered_literally():
    mod = module('def f(x="{{ x }}"):\n    return x\n')
    fn = mod.functions[0]
    doc = FunctionDoc(
        purpose=NASTY,
        params=(ParamDoc("x", "Default `{{ x }}` | <b>"),),
        returns="",
        raises=(RaiseDoc("ValueError", "When {% raw %}"),),
        steps=("Step with <script>",),
        examples=(),
        summary='Has """ quotes and {{ x }}',
    )
    mdoc = ModuleDoc("T", "{{ overview }}", "", (), None)
    page = Renderer().reference(mod, {fn.uid: doc, mod.uid: mdoc})
    assert "\\{\\{ overview \\}\\}" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    prose = outside_fences(page)
    assert "<b>" not in prose and "<script>" not in prose
    assert "Default `{{ x }}` &#124; &lt;b&gt;" in page
    assert "When \\{% raw %\\}" in page
    assert 'def f(x="{{ x }}"):' in page  # the signature, verbatim inside a code block
    assert 'Has \\"\\"\\" quotes and {{ x }}' in page  # docstring text inside the python block


def test_headings_follow_the_fixed_scheme():
    mod = module(
        """
        from typing import overload

        class A:
            @property
            def v(self) -> int:
                return 1

            @v.setter
            def v(self, value: int) -> None:
                pass

            @overload
            def m(self, x: int) -> int: ...
            @overload
            def m(self, x: str) -> str: ...
            def m(self, x):
                return x

            class B:
                def n(self):
                    pass

        def top():
            pass

        if __name__ == "__main__":
            top()
        """
    )
    page = Renderer().reference(mod, offline_docs(mod))
    assert headings(page) == [
        (1, "Модуль `pkg.mod`"),
        (2, "Обзор"),
        (2, "Подробнее"),
        (2, "Классы"),
        (3, "`A`"),
        (4, "`A.v` (свойство)"),
        (4, "`A.v` (сеттер свойства)"),
        (4, "`A.m` (перегрузка 1)"),
        (4, "`A.m` (перегрузка 2)"),
        (4, "`A.m`"),
        (3, "`A.B`"),
        (4, "`A.B.n`"),
        (2, "Функции"),
        (3, "`top`"),
        (2, "Точка входа"),
    ]
    texts = [h for _, h in headings(page)]
    assert len(texts) == len(set(texts))
    # each section has its own link target: the qualname, numbered when accessors share it
    assert re.findall(r'^#+ <a id="([^"]+)"></a>', page, re.MULTILINE) == [
        "A", "A.v", "A.v-2", "A.m", "A.m-2", "A.m-3", "A.B", "A.B.n", "top",
    ]  # fmt: skip


def test_script_module_gets_the_file_example():
    mod = module("import os\nprint(os.getcwd())\n")
    page = Renderer().reference(mod, offline_docs(mod))
    assert [h for h in headings(page) if h[0] == 2][-1] == (2, "Пример файла")
    assert "```python\nimport os\nprint(os.getcwd())\n```" in page


def test_usage_page():
    mod = module("import os\n\ndef main():\n    pass\n\nif __name__ == '__main__':\n    main()\n")
    page = Renderer().usage(mod, offline_docs(mod))
    assert headings(page) == [
        (1, "Как использовать этот блок кода: `pkg.mod`"),
        (2, "Описание"),
        (2, "Шаги выполнения"),
        (2, "Пример использования"),
    ]
    # a library's steps say how to use it, not what it imports
    assert "1. **Импорт**: Импортируйте из `pkg.mod` нужное: `main`." in page
    assert "2. **Вызов функции**: Вызовите `main()`." in page
    assert "Импорт зависимостей" not in page


def test_home_page_groups_modules_by_package_with_summaries_and_counts():
    mods = [
        Listed("pkg.b", "", "reference/pkg/b.md", "usage/pkg/b.md", "", 0, 1),
        Listed("pkg.a", "для чтения", "reference/pkg/a.md", "usage/pkg/a.md", "", 2, 5),
        Listed("pkg", "", "reference/pkg/index.md", "usage/pkg/index.md", "Пакет `pkg`.", 0, 0),
        Listed("tool", "", "reference/tool.md", "usage/tool.md", "Read `x` *fast*.", 1, 1),
    ]
    page = Renderer().home(mods, site_name="Demo <site>")
    assert page.startswith("# Demo &lt;site&gt;\n")
    tool = "- [`tool`](reference/tool.md) — Read `x` *fast*. (1 класс, 1 функция)"
    assert "## Модули\n\n" + tool in page
    assert "## Пакет `pkg`\n\nПакет `pkg`.\n\n[справочник](reference/pkg/index.md)" in page
    line = (
        "- [`pkg.a`](reference/pkg/a.md) — для чтения (2 класса, 5 функций)"
        " · [как использовать](usage/pkg/a.md)"
    )
    assert line in page
    assert page.index("`pkg.a`") < page.index("`pkg.b`")
    custom = Renderer(lang="en").home([Listed("pkg.a", "", "r a.md", "u.md")], site_name="D")
    assert "[`pkg.a`](<r a.md>)" in custom


def test_user_template_overrides_one_block(tmp_path):
    (tmp_path / "reference.md.j2").write_text(
        '{% extends "default/reference.md.j2" %}\n'
        "{% block overview %}\n## Custom\n\n{{ module.name }}\n\n{% endblock %}\n",
        encoding="utf-8",
    )
    mod = module("def f():\n    pass\n")
    page = Renderer(user_templates=str(tmp_path)).reference(mod, offline_docs(mod))
    assert [h for _, h in headings(page)][:3] == ["Модуль `pkg.mod`", "Custom", "Функции"]
    assert '### <a id="f"></a>`f`' in page  # the other blocks are still the defaults


def test_misspelt_variable_in_user_template_is_one_line_with_its_place(tmp_path):
    (tmp_path / "usage.md.j2").write_text("# Title\n\n{{ modul.name }}\n", encoding="utf-8")
    mod = module("x = 1\n")
    with pytest.raises(TemplateError) as caught:
        Renderer(user_templates=str(tmp_path)).usage(mod, offline_docs(mod))
    assert (
        str(caught.value) == f"{tmp_path / 'usage.md.j2'}:3: template error: 'modul' is undefined"
    )


def test_syntax_error_in_user_template_is_one_line_with_its_place(tmp_path):
    (tmp_path / "reference.md.j2").write_text("line one\n{% if %}\n", encoding="utf-8")
    mod = module("x = 1\n")
    with pytest.raises(TemplateError) as caught:
        Renderer(user_templates=str(tmp_path)).reference(mod, offline_docs(mod))
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'reference.md.j2'}:2: template syntax error: ")
    assert "\n" not in message


def test_missing_user_template_dir_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="templates directory not found"):
        Renderer(user_templates=str(tmp_path / "nope"))


def test_user_catalog_is_used_by_templates(tmp_path):
    (tmp_path / "i18n").mkdir()
    (tmp_path / "i18n" / "ru.toml").write_text('[ref]\noverview = "Кратко"\n', encoding="utf-8")
    mod = module("def f():\n    pass\n")
    page = Renderer(user_templates=str(tmp_path)).reference(mod, offline_docs(mod))
    assert "## Кратко" in page


def test_flow_diagram_is_drawn():
    mod = module(
        """
        def f(xs):
            for x in xs:
                if x:
                    print(x)
                else:
                    continue
            return 1
        """
    )
    page = Renderer(diagrams="text").reference(mod, offline_docs(mod))
    assert (
        "```\nНачало\n├─ Цикл: for x in xs\n│  └─ Условие: x\n│     ├─ Да\n│     │  └─ print(x)\n"
        "│     └─ Иначе\n│        └─ continue\n└─ return 1\n```"
    ) in page
    chart = Renderer().reference(mod, offline_docs(mod))
    assert "```mermaid\nflowchart TD\n" in chart and "Начало" not in outside_fences(chart)


def test_missing_docs_still_render():
    mod = module("class A:\n    def m(self):\n        pass\n")
    page = Renderer().reference(mod, {})
    assert '### <a id="A"></a>`A`' in page and '#### <a id="A.m"></a>`A.m`' in page


def test_signature_and_step_helpers():
    mod = module(
        "@cache\nasync def f(a, /, b: int = 1, *args, c, d: str = 'x', **kw) -> None:\n    pass\n"
        "def g(a, *, b):\n    pass\n"
    )
    f, g = mod.functions
    assert signature(f) == (
        "@cache\nasync def f(a, /, b: int = 1, *args, c, d: str = 'x', **kw) -> None:"
    )
    assert signature(g) == "def g(a, *, b):"
    assert split_step("Импорт зависимостей: Импортирует `os`.") == (
        "Импорт зависимостей",
        "Импортирует `os`.",
    )
    assert split_step("Вызывает `a: b` сразу.") == ("", "Вызывает `a: b` сразу.")


def test_indented_docstring_blocks_keep_their_layout() -> None:
    text = "Exit codes:\n\n    0    ok\n    2    some <units> failed\n\nThe end, *really*."
    out = escape_prose(text)
    assert "```\n0    ok\n2    some <units> failed\n```" in out  # code: shown as written
    assert out.endswith("The end, *really*.")  # emphasis is kept
    # a continuation line of a sentence is prose, not a block
    assert "```" not in escape_prose("First line\n  continued here")


def test_signature_blocks_show_the_code_and_a_proposal_apart():
    mod = module(
        'def f(x):\n    """Real words.\n\n    More."""\n    return x\n\n\ndef g(y):\n    return y\n'
    )
    page = Renderer().reference(mod, offline_docs(mod))
    f_part, g_part = page.split("</a>`g`")
    assert '```python\ndef f(x):\n    """Real words.\n\n    More.\n    """\n```' in f_part
    assert "Предлагаемый docstring" not in f_part  # the code has its own
    assert "```python\ndef g(y):\n```" in g_part
    assert '**Предлагаемый docstring**:\n\n```python\n"""Функция `g`' in g_part


def test_a_data_module_is_summarised_not_pasted() -> None:
    from docgen.markup import unbound_names
    from docgen.write.offline.examples import module_example

    rows = "".join(f'    "k{i}": {i},\n' for i in range(500))
    source = f'"""Tables."""\n\nCODES = {{\n{rows}}}\nNAMES = ["a", "b"]\nVERSION = "1.2"\n'
    mod = extract_source(source, module="pkg.tables", path="pkg/tables.py")
    page = Renderer().reference(mod, offline_docs(mod))
    usage = Renderer().usage(mod, offline_docs(mod))
    assert "| `CODES` | словарь | 500 |" in page and "| `VERSION` | строка | 3 |" in page
    assert '"k11": 11' in page and '"k12": 12' not in page  # an excerpt, then a count
    assert "# … ещё строк:" in page and len(page.encode()) < len(source.encode()) // 4
    assert '"k1": 1' not in usage
    assert "`CODES` (словарь, 500 элементов)" in usage
    example = module_example(mod)
    assert example == "from pkg.tables import CODES, NAMES, VERSION\nprint(len(CODES))"
    assert unbound_names(example) == ()


def test_template_calls_behave_as_stock_jinja_calls_them(tmp_path):
    """docgen's environment calls macros and plain functions without Jinja's per-call checks;
    every kind of callable a template may call must still get what stock Jinja gives it."""
    import jinja2

    from docgen.resources import environment

    (tmp_path / "t.j2").write_text(
        textwrap.dedent(
            """\
            {% macro box(x, y="d", caller=none) -%}
            [{{ x }}|{{ y }}{% if caller %}|{{ caller() }}{% endif %}]
            {%- endmacro %}
            {{ box(1) }} {{ box(2, y="k") }} {% call box(3) %}inner{% endcall %}
            {% autoescape true %}{{ box("<b>") }}{% endautoescape %} {{ box("<i>") }}
            {% for i in [1, 2] %}{{ ctx_fn() }}-{{ loop.index }}{% endfor %}
            {{ env_fn() }} {{ plain(4) }} {{ obj.method(5) }} {{ items.append(6) }}{{ items }}
            {{ klass(7) }} {{ builtin(-8) }} {{ stops() is undefined }} {{ callable_obj(9) }}
            """
        ),
        encoding="utf-8",
    )

    class Obj:
        def method(self, n: int) -> str:
            return f"m{n}"

        def __call__(self, n: int) -> str:
            return f"c{n}"

    def stops() -> None:
        raise StopIteration

    @jinja2.pass_context
    def ctx_fn(context: jinja2.runtime.Context) -> str:
        return str(context.get("marker"))

    @jinja2.pass_environment
    def env_fn(env: jinja2.Environment) -> str:
        return type(env).__name__

    def rendered(env: jinja2.Environment) -> str:
        env.globals.update(ctx_fn=ctx_fn, env_fn=env_fn, plain=lambda n: n * 2, obj=Obj(),
                           klass=str, builtin=abs, stops=stops, callable_obj=Obj())  # fmt: skip
        return env.get_template("t.j2").render(marker="M", items=[])

    ours = environment(tmp_path, keep_trailing_newline=True)
    stock = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(tmp_path)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    assert ours.context_class is not jinja2.runtime.Context  # the shorter calls are used
    text = rendered(ours)
    assert text == rendered(stock)
    assert "[<b>|d]" in text  # the macro saw the autoescape block: its text came back as markup
    assert "M-1M-2" in text and "[3|d|inner]" in text and "True" in text
