"""The offline writer: grammatical text from facts only, examples that parse, never raising."""

from __future__ import annotations

import ast
import re
import textwrap

import pytest

from docgen.extract import extract_source
from docgen.i18n import Catalog
from docgen.model import (
    ClassDoc,
    ExtractResult,
    FlowBranch,
    FlowKind,
    FlowNode,
    FunctionDoc,
    FunctionInfo,
    ModuleDoc,
    ModuleInfo,
    Parameter,
    ParamKind,
    Problem,
    Raise,
    SourceFile,
    UnitContext,
    UnitKind,
    Written,
)
from docgen.write.offline import OfflineWriter
from docgen.write.offline.phrases import FlowPhraser

MODULE = ModuleInfo("pkg.mod", "pkg/mod.py", "0", "", None, (), (), (), None, (), (), 1)
CTX = UnitContext(MODULE)
RU = OfflineWriter(lang="ru")
EN = OfflineWriter(lang="en")


def fn(name: str = "f", params=(), **kw) -> FunctionInfo:
    fields = dict(
        module="pkg.mod", qualname=name, name=name.rsplit(".", 1)[-1], kind=UnitKind.FUNCTION,
        line_start=1, line_end=9, source="", is_async=False, decorators=(), params=tuple(params),
        returns=None, docstring=None, raises=(), return_values=(), yields=False, calls=(), flow=(),
    )  # fmt: skip
    fields.update(kw)
    return FunctionInfo(**fields)


def p(name, annotation=None, default=None, kind=ParamKind.POSITIONAL_OR_KEYWORD) -> Parameter:
    return Parameter(name, kind, annotation, default)


def node(kind, label, *branches, line=1, calls=()) -> FlowNode:
    return FlowNode(kind, label, line, tuple(branches), tuple(calls))


def real(source: str, module: str = "pkg.mod") -> ModuleInfo:
    return extract_source(textwrap.dedent(source), module=module, path="pkg/mod.py")


def docs_of(writer: OfflineWriter, mod: ModuleInfo) -> dict:
    ctx = UnitContext(mod, lang=writer.lang)
    units = (mod, *mod.all_classes(), *mod.all_functions())
    return {u.uid: writer.document(u, ctx) for u in units}


@pytest.mark.parametrize(
    ("count", "phrase"),
    [
        (0, "не принимает параметров"),
        (1, "принимает 1 параметр (`a0`)"),
        (2, "принимает 2 параметра (`a0` и `a1`)"),
        (5, "принимает 5 параметров (`a0`, `a1`, `a2`, `a3` и `a4`)"),
    ],
)
def test_purpose_agrees_with_parameter_count(count, phrase):
    doc = RU.document(fn(params=[p(f"a{i}") for i in range(count)]), CTX)
    assert doc.purpose == f"Функция `f` {phrase}."


def test_parameters_described_by_default_without_repeating_the_annotation():
    # the page shows the annotation beside the name: "Значение типа" would say it twice
    doc = RU.document(fn(params=[p("x", "int"), p("y", "str | None", "None")]), CTX)
    assert [(d.name, d.description) for d in doc.params] == [
        ("x", "Обязательный."),
        ("y", "Необязательный, по умолчанию `None`."),
    ]


def test_parameters_described_by_their_use_in_the_body():
    from docgen.extract import extract_source

    source = (
        "def fetch(url: str, timeout: float = 5.0, *, headers=(), verbose=False, retries=3):\n"
        "    for h in headers:\n        print(h)\n"
        "    if verbose:\n        print(url)\n"
        "    while retries > 0:\n        retries -= 1\n"
        "    return requests.get(url, timeout=timeout)\n"
    )
    module = extract_source(source, module="m", path="m.py")
    doc = RU.document(module.functions[0], UnitContext(module=module, lang="ru"))
    said = dict((d.name, d.description) for d in doc.params)
    assert said["timeout"] == (
        "Передаётся в `requests.get` как `timeout`. Необязательный, по умолчанию `5.0`."
    )
    assert said["url"] == "Передаётся в `print`. Передаётся в `requests.get`. Обязательный."
    assert said["headers"].startswith("Перебирается в цикле.")
    assert said["verbose"].startswith("Проверяется в условии.")
    assert said["retries"].startswith("Сравнивается с `0`.")
    assert all("Значение типа" not in text for text in said.values())


def test_self_is_not_a_parameter():
    method = fn("Box.put", [p("self"), p("item")], kind=UnitKind.METHOD)
    doc = RU.document(method, CTX)
    assert [d.name for d in doc.params] == ["item"]
    assert doc.purpose.startswith("Метод `put` класса `Box` принимает 1 параметр")


def test_nothing_invented_for_a_bare_function():
    doc = RU.document(fn(flow=(node(FlowKind.STATEMENT, "print(1)", calls=("print",)),)), CTX)
    assert doc.raises == ()
    assert doc.returns == ""
    assert doc.steps == ("Вызывает `print`.",)
    assert "исключ" not in doc.purpose


def test_raises_from_code_with_condition_and_message():
    raise_node = node(FlowKind.RAISE, 'raise ValueError("x < 0")', line=3)
    flow = (node(FlowKind.IF, "x < 0", FlowBranch("x < 0", (raise_node,), "if")),)
    doc = RU.document(fn(raises=(Raise("ValueError", "x < 0", 3),), flow=flow), CTX)
    assert doc.raises[0].exception == "ValueError"
    assert doc.raises[0].description == ("Выбрасывается при условии `x < 0`. Сообщение: `x < 0`.")
    assert doc.steps == (
        "Проверяет условие `x < 0`: если оно истинно, "
        'выбрасывает исключение `ValueError("x < 0")`.',
    )


def test_docstring_text_wins_over_facts():
    source = '''
        def send(url: str, retries: int = 3) -> bytes:
            """Send a request.

            Args:
                url: Where to send it.

            Returns:
                The response body.

            Raises:
                OSError: When the network is down.
            """
            if not url:
                raise ValueError("empty url")
            return fetch(url)
    '''
    mod = real(source)
    doc = docs_of(RU, mod)["pkg.mod:send"]
    assert doc.purpose == "«Send a request.»"  # English text, quoted on a Russian page
    assert doc.params[0].description == "Where to send it."
    assert doc.params[1].description == "Необязательный, по умолчанию `3`."
    assert doc.returns == "The response body."
    assert [r.exception for r in doc.raises] == ["ValueError", "OSError"]
    assert doc.raises[1].description == "When the network is down."


def test_returns_from_expressions_and_generators():
    doc = RU.document(
        fn(return_values=("a", "b + 1"), flow=(node(FlowKind.RETURN, "return a"),)), CTX
    )
    assert doc.returns == "Одно из значений: `a`, `b + 1`."
    gen = RU.document(fn(yields=True, flow=(node(FlowKind.YIELD, "yield 1"),)), CTX)
    assert gen.returns == "Генератор, выдающий значения через `yield`."
    assert gen.purpose.startswith("Функция-генератор `f`")


def test_runs_of_statements_collapse_and_steps_are_capped():
    flow = tuple(node(FlowKind.STATEMENT, f"a{i} = {i}") for i in range(5))
    doc = RU.document(fn(flow=flow), CTX)
    assert doc.steps == (
        "Присваивает `a0` значение `0`; присваивает `a1` значение `1`; присваивает `a2` "
        "значение `2`, затем выполняет ещё 2 оператора.",
    )
    call = node(FlowKind.STATEMENT, "g()")
    many = tuple(node(FlowKind.IF, f"x{i}", FlowBranch(f"x{i}", (call,), "if")) for i in range(12))
    capped = RU.document(fn(flow=(*many, node(FlowKind.RETURN, "return x"))), CTX).steps
    assert len(capped) == 8
    assert capped[6] == "Затем выполняет ещё 6 шагов."
    assert capped[7] == "Возвращает `x`."


def test_one_item_over_a_limit_is_said_not_counted():
    """ "and 1 more statement" says less than the statement: one over is shown, two fold."""
    four = tuple(node(FlowKind.STATEMENT, f"a{i} = {i}") for i in range(4))
    (step,) = RU.document(fn(flow=four), CTX).steps
    assert "ещё" not in step and step.endswith("присваивает `a3` значение `3`.")
    from docgen.extract import extract_source

    source = (
        "def f(a, b):\n    g(1, 2, 3, 4, 5)\n    h(1, 2, 3, 4, 5, 6)\n"
        "    if a:\n        x = 1\n        y = 2\n        z = 3\n"
        "    if b:\n        x = 1\n        y = 2\n        z = 3\n        w = 4\n"
    )
    module = extract_source(source, module="m", path="m.py")
    steps = RU.document(module.functions[0], UnitContext(module=module, lang="ru")).steps
    text = " ".join(steps)
    assert "`g` с аргументами `1`, `2`, `3`, `4` и `5`" in text
    assert "`h` с аргументами `1`, `2`, `3`, `4` и ещё 2 аргумента" in text
    assert "ещё 1 " not in text


def test_a_nested_body_says_its_one_last_statement_unless_it_hides_calls():
    from docgen.extract import extract_source

    source = (
        "def f(a, b):\n"
        "    for x in a:\n        y = 1\n        if x:\n            continue\n"
        "        raise ValueError(y)\n"
        "    for x in b:\n        y = 1\n        if x:\n            continue\n"
        "        if y:\n            g(x)\n"
    )
    module = extract_source(source, module="m", path="m.py")
    first, second = RU.document(module.functions[0], UnitContext(module=module, lang="ru")).steps
    assert first.endswith("затем выбрасывает исключение `ValueError(y)`.")  # said, not counted
    assert second.endswith("затем выполняет ещё 1 оператор, вызывая `g`.")  # the call named


@pytest.mark.parametrize(
    "source",
    [
        "def f(a, b: int, *args, c: str, d=1, **kw) -> int:\n    return b\n",
        "async def f(url: str | None) -> bytes:\n    return b''\n",
        "def g(items: list[int]):\n    yield from items\n",
        "class C:\n    @property\n    def v(self) -> int:\n        return 1\n"
        "    @v.setter\n    def v(self, value: int) -> None:\n        pass\n"
        "    @staticmethod\n    def s(x: float):\n        pass\n",
        "from dataclasses import dataclass\n@dataclass\nclass P:\n    x: int\n    y: str = ''\n",
    ],
)
def test_built_examples_parse(source):
    mod = real(source)
    for uid, doc in docs_of(RU, mod).items():
        examples = [doc.usage_example] if isinstance(doc, ModuleDoc) else list(doc.examples)
        assert examples and all(ex is not None for ex in examples), uid
        for ex in examples:
            ast.parse(ex.code)


def test_doctest_examples_are_used():
    mod = real('def f(x):\n    """Double.\n\n    >>> f(2)\n    4\n    """\n    return x * 2\n')
    doc = docs_of(RU, mod)["pkg.mod:f"]
    assert [e.code for e in doc.examples] == ["f(2)"]


def test_class_doc_from_facts():
    mod = real(
        """
        class Box(Base):
            size: int = 3

            def __init__(self, name: str):
                self.name = name

            def put(self, item):
                self.items.append(item)
        """
    )
    doc = docs_of(RU, mod)["pkg.mod:Box"]
    assert isinstance(doc, ClassDoc)
    # what it holds and offers, not how many methods it has
    assert doc.purpose == "Класс `Box` наследует `Base`, хранит `name` и предоставляет метод `put`."
    assert doc.details == "Определяет методы `__init__` и `put`."
    assert doc.attributes[0].description == "Атрибут типа `int`, по умолчанию `3`."
    assert doc.examples[0].code == 'from pkg.mod import Box\n\nbox = Box("text")'


def test_module_docs_for_script_and_main_block():
    script = real("import os\n\nx = os.getcwd()\nprint(x)\n")
    doc = docs_of(RU, script)["pkg.mod"]
    assert doc.overview.startswith("Модуль `pkg.mod` — сценарий")
    assert doc.entry_point == ""
    assert doc.usage_example.code == script.source.strip()
    assert doc.steps[0] == "Импорт зависимостей: Импортирует `os`."
    main = real("def main():\n    pass\n\nif __name__ == '__main__':\n    main()\n")
    mdoc = docs_of(RU, main)["pkg.mod"]
    assert "вызывает `main`" in mdoc.entry_point
    assert mdoc.steps[-1] == ('Точка входа: В блоке `if __name__ == "__main__":` вызывает `main`.')


def test_a_main_block_of_one_branch_says_both_branches():
    mod = real(
        "import sys\n\ndef run(path=None):\n    pass\n\nif __name__ == '__main__':\n"
        "    if len(sys.argv) == 1:\n        run()\n    else:\n        run(sys.argv[1])\n"
    )
    doc = docs_of(RU, mod)["pkg.mod"]
    assert doc.steps[-1] == (
        'Точка входа: В блоке `if __name__ == "__main__":` проверяет условие '
        "`len(sys.argv) == 1`: если оно истинно, вызывает `run`; иначе вызывает `run` с "
        "аргументом `sys.argv[1]`."
    )  # not only the condition, as a longer block's brief has it
    assert "иначе вызывает `run`" in doc.entry_point


def test_a_library_usage_note_says_what_importing_does_not_its_private_names():
    mod = real(
        "import re\nimport logging\n\n__all__ = ['parse']\n_pattern = re.compile('x')\n"
        "_cache: dict = {}\nTIMEOUT = 3\n"
        "logging.getLogger(__name__).addHandler(logging.NullHandler())\n"
        "\n\ndef parse(text):\n    return _pattern.match(text)\n"
    )
    steps = docs_of(RU, mod)["pkg.mod"].steps
    setup = [s for s in steps if s.startswith("Код уровня модуля")]
    assert len(setup) == 1 and "addHandler" in setup[0]  # what the import runs
    for name in ("__all__", "_pattern", "_cache", "TIMEOUT"):  # details and constants: not
        assert name not in setup[0]


def test_english_output_has_no_cyrillic():
    mod = real(
        "import x\n\nclass A:\n    def m(self, a: int = 1) -> int:\n        if a:\n"
        "            raise KeyError('k')\n        return a\n\nif __name__ == '__main__':\n"
        "    A().m()\n"
    )
    text = repr(docs_of(EN, mod))
    assert not re.search("[а-яА-Я]", text)
    # no call to name: what it may raise says more than its signature
    assert "The method `m` of class `A` may raise `KeyError` and returns" in text


def test_document_never_raises():
    broken = OfflineWriter(lang="ru")
    broken.catalog = Catalog("ru", {})  # every message missing: each phrase raises
    broken.flow = FlowPhraser(broken.catalog)
    doc = broken.document(fn(params=[p("a")]), CTX)
    assert doc == FunctionDoc("", (), "", (), (), ())


def test_in_worker_task_documents_every_unit_of_a_module():
    mod = real("class A:\n    def m(self):\n        return 1\n\ndef f(x):\n    return x\n")
    file = SourceFile("pkg/mod.py", "pkg/mod.py", "pkg.mod")
    written = RU.in_worker(ExtractResult(file, mod))
    assert list(written.docs) == ["pkg.mod", "pkg.mod:A", "pkg.mod:f", "pkg.mod:A.m"]
    assert [o.status for o in written.outcomes] == ["offline"] * 4 and written.complete
    problem = Problem("pkg/mod.py", 1, "syntax error: x")
    assert RU.in_worker(ExtractResult(file, None, problem)) == Written(file, problem=problem)


def test_user_catalog_reaches_the_offline_prose(tmp_path):
    (tmp_path / "i18n").mkdir()
    (tmp_path / "i18n" / "ru.toml").write_text(
        '[module]\ntitle = "Файл {name}"\n', encoding="utf-8"
    )
    mod = real("x = 1\n")
    doc = OfflineWriter(lang="ru", templates=str(tmp_path)).document(mod, CTX)
    assert doc.title == "Файл `pkg.mod`"


def test_first_parameter_of_a_method_is_bound_whatever_its_name():
    mod = real(
        "class F:\n    @property\n    def num(a) -> int:\n        return a._n\n"
        "    @staticmethod\n    def make(x: int):\n        return F()\n"
    )
    docs = docs_of(RU, mod)
    getter = docs["pkg.mod:F.num"]
    assert getter.params == ()
    assert getter.purpose == "Свойство `num` класса `F` возвращает значение типа `int`."
    assert [p.name for p in docs["pkg.mod:F.make"].params] == ["x"]
    assert docs["pkg.mod:F.make"].examples[0].code.endswith("result = F.make(1)")


def test_a_package_main_module_runs_as_the_package():
    source = "import sys\n\n\ndef main():\n    return 0\n\n\n"
    source += "if __name__ == '__main__':\n    sys.exit(main())\n"
    mod = extract_source(source, module="tool.__main__", path="tool/__main__.py")
    doc = RU.document(mod, UnitContext(mod))
    assert "`python -m tool`" in doc.entry_point
    assert "__main__`" not in doc.entry_point


def test_context_managers_are_called_so_and_used_with_with():
    mod = real(
        "import contextlib\n\n\n@contextlib.contextmanager\ndef opened(path: str):\n"
        "    yield open(path)\n\n\n@contextlib.asynccontextmanager\nasync def lifespan(app):\n"
        "    yield app\n"
    )
    docs = docs_of(RU, mod)
    opened, lifespan = docs["pkg.mod:opened"], docs["pkg.mod:lifespan"]
    assert opened.purpose.startswith("Контекстный менеджер `opened`")
    assert "блок `with` получает значение" in opened.returns
    assert 'with opened("text") as value:' in opened.examples[0].code
    assert lifespan.purpose.startswith("Асинхронный контекстный менеджер `lifespan`")
    code = lifespan.examples[0].code
    assert "async with lifespan(app) as value:" in code and "async for" not in code
    assert "app = ..." in code and "asyncio.run(demo())" in code
    compile(code, "example", "exec")


@pytest.mark.parametrize(
    ("text", "limit", "short"),
    [
        ('headers = {"accept": "application/json", "content-type": "application/json"}', 40,
         "headers = {…}"),
        ('client.chat.completions.create(model="gpt-4o", messages=[{"role": "user"}], stream=True)',
         70, "client.chat.completions.create(model=…, messages=…, stream=…)"),
        ('print("a", "b")', 80, 'print("a", "b")'),
        ("x = a_long_name_without_any_brackets + another_long_name_here + more", 40,
         "x = a_long_name_without_any_brackets +…"),
    ],
)  # fmt: skip
def test_long_code_is_shortened_at_a_syntax_boundary(text, limit, short):
    from docgen.markup import shorten_code
    from docgen.write.offline.phrases import code

    assert shorten_code(text, limit) == short
    assert code(text, limit) == f"`{short}`"  # never cut inside a string


def test_folded_steps_still_name_the_calls_they_hold():
    from docgen.extract import extract_source

    lines = ["    x = 0", *["    if a:\n        pass"] * 9]
    lines += ["    client.chat.completions.create(model=m)", "    save(x)", "    return 1"]
    module = extract_source("def f(a, m):\n" + "\n".join(lines) + "\n", module="m", path="m.py")
    doc = RU.document(module.functions[0], UnitContext(module=module, lang="ru"))
    folded = [s for s in doc.steps if "ещё" in s]
    assert folded == [
        "Затем выполняет ещё 5 шагов, в которых вызывает `client.chat.completions.create` и `save`."
    ]


def test_async_is_kept_in_steps_and_diagrams():
    from docgen.extract import extract_source
    from docgen.render import Renderer

    source = (
        "async def f(session, url):\n"
        "    async with session.get(url) as resp:\n"
        "        async for chunk in resp.content:\n"
        "            print(chunk)\n"
    )
    module = extract_source(source, module="m", path="m.py")
    fn = module.functions[0]
    doc = RU.document(fn, UnitContext(module=module, lang="ru"))
    assert doc.steps[0].startswith("Открывает асинхронный контекст `session.get(url) as resp`")
    assert "асинхронно перебирает элементы `resp.content`" in doc.steps[0]
    page = Renderer(diagrams="text").reference(module, {fn.uid: doc})
    assert "└─ Контекст: async with session.get(url) as resp" in page
    assert "└─ Цикл: async for chunk in resp.content" in page
    chart = Renderer().reference(module, {fn.uid: doc})
    assert '["async with session.get(url) as resp"]' in chart
    assert '{{"async for chunk in resp.content"}}' in chart


def test_english_docstrings_are_quoted_on_russian_pages() -> None:
    source = (
        '"""Parse settings."""\n\n\ndef load(path):\n    """Read the file at ``path``."""\n'
        '    return path\n\n\ndef save(path):\n    """Сохраняет настройки."""\n'
        '    return path\n\n\nclass Box:\n    """A box."""\n'
    )
    module = extract_source(source, module="m", path="m.py")
    from docgen.write.context import contexts

    def docs(lang: str) -> dict:
        writer = OfflineWriter(lang=lang)
        return {u.uid: writer.document(u, c) for u, c in contexts(module, lang=lang)}

    ru, en = docs("ru"), docs("en")
    assert ru["m:load"].purpose == "«Read the file at ``path``.»"
    assert ru["m:save"].purpose == "Сохраняет настройки."  # already Russian
    assert ru["m:Box"].purpose == "«A box.»"
    assert ru["m"].overview == "«Parse settings.»"
    assert en["m:load"].purpose == "Read the file at ``path``."
    # the summary a usage step quotes itself stays bare (no «« »»)
    assert ru["m:load"].summary == "Read the file at ``path``."


def test_purpose_without_a_docstring_names_the_calls_it_exists_for() -> None:
    source = (
        "import openai\nfrom .store import save\n\n\n"
        "def ask(prompt):\n    reply = openai.ChatCompletion.create(model='m', prompt=prompt)\n"
        "    print(reply)\n    save(reply)\n\n\n"
        "def shadow(items):\n    save = print\n    save(len(items))\n\n\n"
        "def bare(x):\n    return len(x)\n"
    )
    docs = docs_of(RU, real(source, module="pkg.m"))
    # the library's and the project's calls, not print; the signature is not restated
    assert docs["pkg.m:ask"].purpose == (
        "Функция `ask` вызывает `openai.ChatCompletion.create` (`model='m'`), `save` и ничего"
        " не возвращает."
    )
    # a local that shadows the import is not the import; builtins say nothing: the signature
    assert docs["pkg.m:shadow"].purpose.startswith("Функция `shadow` принимает 1 параметр")
    assert docs["pkg.m:bare"].purpose.startswith("Функция `bare` принимает 1 параметр (`x`)")


def test_purpose_from_what_the_body_does() -> None:
    """Without a docstring: the parameters a constructor keeps, the attributes a method sets,
    the calls with their literal keyword values, an abstract method's only raise."""
    source = (
        "import json\n\n\n"
        "class Store:\n"
        "    def __init__(self, path, limit=5):\n"
        "        self.path = path\n        self.limit = limit\n        self.items = []\n"
        "        self._load()\n\n"
        "    def _load(self):\n"
        "        with open(self.path) as f:\n            self.items = json.load(f)\n\n"
        "    def save(self):\n"
        "        self.items.sort()\n"
        "        json.dump(self.items, open(self.path, 'w'), indent=2, sort_keys=True)\n\n"
        "    def check(self, value):\n"
        "        if value < 0:\n            raise ValueError('negative')\n\n"
        "    def run(self):\n        raise NotImplementedError\n"
    )
    docs = docs_of(RU, real(source, module="pkg.s"))
    assert docs["pkg.s:Store.__init__"].purpose == (
        "Конструктор класса `Store` сохраняет `path` и `limit` в атрибутах объекта, вызывает"
        " `self._load` и задаёт атрибут `self.items`."
    )
    # the attribute it sets says more than "returns nothing"; the module's call comes first
    assert docs["pkg.s:Store._load"].purpose == (
        "Метод `_load` класса `Store` вызывает `json.load` и задаёт атрибут `self.items`."
    )
    assert docs["pkg.s:Store.save"].purpose == (
        "Метод `save` класса `Store` вызывает `json.dump` (`indent=2`, `sort_keys=True`),"
        " `self.items.sort` и ничего не возвращает."
    )
    assert docs["pkg.s:Store.check"].purpose.startswith(
        "Метод `check` класса `Store` может выбросить исключение `ValueError`"
    )
    assert docs["pkg.s:Store.run"].purpose == (
        "Метод `run` класса `Store` только выбрасывает исключение `NotImplementedError`."
    )
    # a step names the call with the arguments it is given
    save_steps = " ".join(docs["pkg.s:Store.save"].steps)
    assert (
        "вызывает `json.dump` с аргументами `self.items`, `open(self.path, 'w')`, `indent=2`"
        " и `sort_keys=True`" in save_steps
    )


def test_example_values_come_from_the_code() -> None:
    """A parameter the example must bind gets the literal the function compares it with, or
    an object of the module's own class its annotation names (imported with the function);
    with neither, a placeholder that says its annotation."""
    from docgen.markup import unbound_names
    from docgen.write.offline.examples import function_example

    source = (
        "class Manager:\n    def __init__(self, limit: int = 3):\n        self.limit = limit\n\n\n"
        "class Needs:\n    def __init__(self, thing):\n        self.thing = thing\n\n\n"
        "def run(mode, manager: Manager, other: 'Needs', client: 'Remote'):\n"
        "    if mode == 'fast':\n        return manager\n    return other, client\n"
    )
    module = extract_source(source, module="pkg.run", path="pkg/run.py")
    fn = next(f for f in module.functions if f.name == "run")
    example = function_example(fn, module)
    assert example.splitlines()[:1] == ["from pkg.run import run, Manager"]
    assert "mode = 'fast'" in example
    assert "manager = Manager()" in example
    assert "other = ...  # 'Needs'" in example  # Needs() would read an unbound `thing`
    assert "client = ...  # 'Remote'" in example
    assert unbound_names(example) == ()


def test_a_method_that_updates_its_object_says_so() -> None:
    source = "class C:\n    def bump(self, by=1):\n        self.count += by\n        self.n += 1\n"
    docs = docs_of(RU, real(source, module="pkg.c"))
    assert docs["pkg.c:C.bump"].purpose == (
        "Метод `bump` класса `C` обновляет атрибуты `self.count` и `self.n`."
    )


def test_a_dataclass_says_its_fields() -> None:
    mod = real(
        """
        from dataclasses import dataclass

        @dataclass
        class Order:
            customer: str
            total: float = 0.0
            note: str = None
        """
    )
    purpose = docs_of(RU, mod)["pkg.mod:Order"].purpose
    assert purpose == "Класс данных `Order` хранит `customer`, `total` и `note`."
