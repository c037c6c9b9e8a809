"""Records of one module: walk its ``ast`` tree and build ModuleInfo, ClassInfo, FunctionInfo.

Every text is a byte-exact slice of the file (``SourceText``), every line comes from ``ast``;
function and main-block bodies go through ``flow.FlowBuilder``, which also gathers their calls,
raises, returned expressions and yields. Used by :mod:`docgen.extract.parse` only.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator

from docgen.extract.flow import Facts, FlowBuilder
from docgen.extract.text import SourceText, short_label
from docgen.extract.uses import conditional_defs, param_uses
from docgen.markup import text_value
from docgen.model import (
    Attribute,
    ClassInfo,
    FlowKind,
    FlowNode,
    FunctionInfo,
    Import,
    MainBlock,
    ModuleInfo,
    Parameter,
    ParamKind,
    UnitKind,
)

_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)
_TYPE_ALIAS = getattr(ast, "TypeAlias", None)
_PROPERTY_ROLES = {"getter": "getter", "setter": "setter", "deleter": "deleter"}
_GETTERS = {"property", "cached_property", "abstractproperty"}


def _docstring_of(body: list[ast.stmt]) -> str | None:
    if body and type(body[0]) is ast.Expr:
        value = body[0].value  # type: ignore[attr-defined]
        if type(value) is ast.Constant and isinstance(value.value, str):
            return text_value(inspect.cleandoc(value.value))
    return None


def _is_main(stmt: ast.stmt) -> bool:
    test = stmt.test  # type: ignore[attr-defined]
    if type(test) is not ast.Compare or len(test.ops) != 1 or type(test.ops[0]) is not ast.Eq:
        return False
    sides = (test.left, test.comparators[0])
    names = [s for s in sides if type(s) is ast.Name and s.id == "__name__"]
    consts = [s for s in sides if type(s) is ast.Constant and s.value == "__main__"]
    return len(names) == 1 and len(consts) == 1


def _nested_imports(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Imports inside module-level if/try/with blocks (not inside defs)."""
    for stmt in body:
        kind = type(stmt)
        if kind is ast.Import or kind is ast.ImportFrom:
            yield stmt
        elif kind not in _FUNCS and kind is not ast.ClassDef:
            for name in ("body", "orelse", "finalbody"):
                yield from _nested_imports(getattr(stmt, name, ()))
            for handler in getattr(stmt, "handlers", ()):
                yield from _nested_imports(handler.body)
            for case in getattr(stmt, "cases", ()):
                yield from _nested_imports(case.body)


class Extractor:
    """Builds the records of one module from its ``ast`` tree and ``SourceText``."""

    def __init__(
        self,
        src: SourceText,
        module: str,
        type_params: dict[int, str],
        alias_lines: frozenset[int],
        *,
        masked: bool = False,
    ) -> None:
        """``masked``: the tree is of a masked text (:mod:`~docgen.extract.mask`), whose
        stand-ins hide what some statements are."""
        self.src = src
        self.name = module
        self.masked_type_params = type_params
        self.alias_lines = alias_lines
        self.shapes = not masked

    def module(
        self, tree: ast.Module, *, path: str, source_hash: str, is_package: bool
    ) -> ModuleInfo:
        src = self.src
        body = tree.body
        docstring = _docstring_of(body)
        imports: list[Import] = []
        functions: list[FunctionInfo] = []
        classes: list[ClassInfo] = []
        statements = []
        main: MainBlock | None = None
        facts = Facts()
        builder = FlowBuilder(src, facts, shapes=self.shapes)
        counts: dict[str, int] = {}
        attributes, docstring_ids = self._bindings(body)
        for index, stmt in enumerate(body):
            kind = type(stmt)
            if (index == 0 and docstring is not None) or id(stmt) in docstring_ids:
                continue
            if kind in _FUNCS:
                functions.append(self.function(stmt, "", UnitKind.FUNCTION, counts))  # type: ignore[arg-type]
            elif kind is ast.ClassDef:
                classes.append(self.klass(stmt, ""))  # type: ignore[arg-type]
            elif kind is ast.Import or kind is ast.ImportFrom:
                imports.extend(self._imports(stmt))
            elif kind is ast.If and main is None and _is_main(stmt):
                main = self._main(stmt)  # type: ignore[arg-type]
            else:
                for nested in _nested_imports([stmt]):
                    imports.extend(self._imports(nested))
                statements.append(builder.node(stmt))
                named = _named_lambda(stmt)
                if named is not None:
                    functions.append(self.lambda_function(stmt, *named, counts))
                seen = {c.qualname for c in classes}
                for node, conditions in conditional_defs(stmt, src.of):
                    if type(node) in _FUNCS:
                        functions.append(
                            self.function(node, "", UnitKind.FUNCTION, counts, conditions)  # type: ignore[arg-type]
                        )
                    elif node.name not in seen:  # a class defined twice: the first one
                        seen.add(node.name)  # type: ignore[attr-defined]
                        classes.append(self.klass(node, "", conditions))  # type: ignore[arg-type]
        return ModuleInfo(
            name=self.name,
            path=path,
            source_hash=source_hash,
            source=src.text,
            docstring=docstring,
            imports=tuple(imports),
            attributes=tuple(attributes),
            statements=tuple(statements),
            main_block=main,
            classes=tuple(classes),
            functions=tuple(functions),
            line_count=src.line_count,
            is_package=is_package,
            calls=tuple(facts.calls),
        )

    # -- functions and classes ----------------------------------------------------------------

    def function(
        self,
        node: ast.FunctionDef | ast.AsyncFunctionDef,
        prefix: str,
        kind: UnitKind,
        counts: dict[str, int],
        conditions: tuple[tuple[str, str], ...] = (),
    ) -> FunctionInfo:
        src = self.src
        qualname = prefix + node.name
        variant = counts.get(qualname, 0)
        counts[qualname] = variant + 1
        decorators = tuple(self._decorator(d) for d in node.decorator_list)
        docstring = _docstring_of(node.body)
        facts = Facts()
        builder = FlowBuilder(src, facts, shapes=self.shapes)
        flow = builder.block(node.body[1:] if docstring is not None else node.body)
        overload = any(d.rsplit(".", 1)[-1] == "overload" for d in decorators)
        role = None
        if kind is UnitKind.METHOD:
            for d in decorators:
                last = d.rsplit(".", 1)[-1]
                if d in _GETTERS or last in _GETTERS:
                    role = "getter"
                elif "." in d and last in _PROPERTY_ROLES:
                    role = _PROPERTY_ROLES[last]
        return FunctionInfo(
            module=self.name,
            qualname=qualname,
            name=node.name,
            kind=kind,
            line_start=node.lineno,
            line_end=node.end_lineno or node.lineno,
            source=self._def_source(node),
            is_async=type(node) is ast.AsyncFunctionDef,
            decorators=decorators,
            params=self._params(node.args),
            returns=src.of(node.returns) if node.returns is not None else None,
            docstring=docstring,
            raises=tuple(facts.raises),
            return_values=tuple(facts.returns),
            yields=facts.yields,
            calls=tuple(facts.calls),
            flow=flow,
            is_overload=overload,
            property_role=role,
            variant=variant,
            type_params=self._type_params(node),
            conditions=conditions,
            param_uses=param_uses(node, src.of),
        )

    def lambda_function(
        self, stmt: ast.stmt, name: str, node: ast.Lambda, counts: dict[str, int]
    ) -> FunctionInfo:
        """A module-level ``name = lambda ...``: a function in all but syntax (its source is
        the assignment; conditions say how it is defined)."""
        src = self.src
        variant = counts.get(name, 0)
        counts[name] = variant + 1
        facts = Facts()
        FlowBuilder(src, facts, shapes=self.shapes).calls_in(node.body)
        body = src.of(node.body)
        return FunctionInfo(
            module=self.name, qualname=name, name=name, kind=UnitKind.FUNCTION,
            line_start=stmt.lineno, line_end=stmt.end_lineno or stmt.lineno,
            source=src.of(stmt), is_async=False, decorators=(),
            params=self._params(node.args), returns=None, docstring=None, raises=(),
            return_values=(body,), yields=facts.yields, calls=tuple(facts.calls),
            flow=(FlowNode(FlowKind.RETURN, short_label(f"return {body}"),
                           node.body.lineno, (), tuple(c.name for c in facts.calls)),),
            variant=variant, conditions=(("lambda", ""),),
            param_uses=param_uses(_LambdaDef(node), src.of),  # type: ignore[arg-type]
        )  # fmt: skip

    def klass(
        self, node: ast.ClassDef, prefix: str, conditions: tuple[tuple[str, str], ...] = ()
    ) -> ClassInfo:
        src = self.src
        qualname = prefix + node.name
        parts = sorted([*node.bases, *node.keywords], key=lambda n: (n.lineno, n.col_offset))
        methods: list[FunctionInfo] = []
        classes: list[ClassInfo] = []
        counts: dict[str, int] = {}
        docstring = _docstring_of(node.body)
        attributes, _ = self._bindings(node.body)
        for stmt in node.body:
            kind = type(stmt)
            if kind in _FUNCS:
                methods.append(self.function(stmt, qualname + ".", UnitKind.METHOD, counts))  # type: ignore[arg-type]
            elif kind is ast.ClassDef:
                classes.append(self.klass(stmt, qualname + "."))  # type: ignore[arg-type]
        init = next((s for s in node.body if type(s) in _FUNCS and s.name == "__init__"), None)  # type: ignore[attr-defined]
        if init is not None:
            args = init.args  # type: ignore[attr-defined]
            first = (args.posonlyargs + args.args)[:1]
            if first:
                known = {a.name for a in attributes}
                instance, _ = self._bindings(init.body, owner=first[0].arg)  # type: ignore[attr-defined]
                for attr in instance:
                    if attr.name not in known:
                        known.add(attr.name)
                        attributes.append(attr)
        return ClassInfo(
            module=self.name,
            qualname=qualname,
            name=node.name,
            line_start=node.lineno,
            line_end=node.end_lineno or node.lineno,
            source=self._def_source(node),
            bases=tuple(src.of(p) for p in parts),
            decorators=tuple(self._decorator(d) for d in node.decorator_list),
            docstring=docstring,
            attributes=tuple(attributes),
            methods=tuple(methods),
            classes=tuple(classes),
            type_params=self._type_params(node),
            conditions=conditions,
        )

    def _def_source(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> str:
        """Whole lines from the first decorator, so ``textwrap.dedent`` gives runnable code."""
        first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
        return self.src.lines_of(first, node.end_lineno or node.lineno, node.end_col_offset or 0)

    def _decorator(self, expr: ast.expr) -> str:
        """The text after ``@``: ``ast`` leaves out parentheses, as in ``@(lambda f: f)``."""
        src = self.src
        data = src.data
        start = src.offset(expr.lineno, expr.col_offset)
        at = data.rfind(b"@", 0, start)
        opened = data.count(b"(", at, start)
        if not opened:
            return src.of(expr)
        end = src.offset(expr.end_lineno, expr.end_col_offset)  # type: ignore[arg-type]
        for _ in range(opened):
            end = data.index(b")", end) + 1
        return data[at + 1 : end].decode("utf-8", "surrogatepass").strip()

    def _type_params(self, node: ast.AST) -> str | None:
        text = self.masked_type_params.get(node.lineno)  # type: ignore[attr-defined]
        if text is not None:
            return text
        params = getattr(node, "type_params", None)
        if not params:
            return None
        src = self.src
        data = src.data
        opening = data.rfind(b"[", 0, src.offset(params[0].lineno, params[0].col_offset))
        closing = data.find(b"]", src.offset(params[-1].end_lineno, params[-1].end_col_offset))
        return data[opening : closing + 1].decode("utf-8", "surrogatepass")

    def _params(self, args: ast.arguments) -> tuple[Parameter, ...]:
        src = self.src

        def text(node: ast.AST | None) -> str | None:
            return src.of(node) if node is not None else None

        out: list[Parameter] = []
        positional = [*args.posonlyargs, *args.args]
        first_default = len(positional) - len(args.defaults)
        for index, arg in enumerate(positional):
            kind = (
                ParamKind.POSITIONAL_ONLY
                if index < len(args.posonlyargs)
                else ParamKind.POSITIONAL_OR_KEYWORD
            )
            default = args.defaults[index - first_default] if index >= first_default else None
            out.append(Parameter(arg.arg, kind, text(arg.annotation), text(default)))
        if args.vararg is not None:
            out.append(
                Parameter(args.vararg.arg, ParamKind.VAR_POSITIONAL, text(args.vararg.annotation))
            )
        for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            out.append(
                Parameter(arg.arg, ParamKind.KEYWORD_ONLY, text(arg.annotation), text(default))
            )
        if args.kwarg is not None:
            out.append(
                Parameter(args.kwarg.arg, ParamKind.VAR_KEYWORD, text(args.kwarg.annotation))
            )
        return tuple(out)

    # -- module parts -------------------------------------------------------------------------

    def _imports(self, stmt: ast.Import | ast.ImportFrom) -> list[Import]:
        if type(stmt) is ast.Import:
            return [Import(None, a.name, a.asname, stmt.lineno) for a in stmt.names]
        module = stmt.module or ""  # type: ignore[union-attr]
        level = stmt.level or 0  # type: ignore[union-attr]
        return [Import(module, a.name, a.asname, stmt.lineno, level) for a in stmt.names]

    def _main(self, stmt: ast.If) -> MainBlock:
        facts = Facts()
        flow = FlowBuilder(self.src, facts, shapes=self.shapes).block(stmt.body)
        end = stmt.end_lineno or stmt.lineno
        source = self.src.lines_of(stmt.lineno, end, stmt.end_col_offset or 0)
        return MainBlock(stmt.lineno, end, source, tuple(facts.calls), flow)

    def _bindings(
        self, body: list[ast.stmt], owner: str | None = None
    ) -> tuple[list[Attribute], set[int]]:
        """Name bindings of a body with their docstrings; ``owner`` collects ``self.x = ...``
        anywhere in a method body instead. Returns the attributes and the docstring nodes' ids."""
        src = self.src
        out: list[Attribute] = []
        used: set[int] = set()
        for index, stmt in enumerate(body):
            kind = type(stmt)
            found: list[Attribute] = []
            if kind is ast.Assign:
                value = src.of(stmt.value)  # type: ignore[attr-defined]
                alias = stmt.lineno in self.alias_lines
                for target in stmt.targets:  # type: ignore[attr-defined]
                    if alias and type(target) is ast.Name and target.id == "_":
                        continue
                    found.extend(self._targets(target, value, None, owner, stmt.lineno))
            elif kind is ast.AnnAssign:
                value = src.of(stmt.value) if stmt.value is not None else None  # type: ignore[attr-defined]
                found.extend(
                    self._targets(stmt.target, value, src.of(stmt.annotation), owner, stmt.lineno)
                )  # type: ignore[attr-defined]
            elif _TYPE_ALIAS is not None and kind is _TYPE_ALIAS and owner is None:
                found.append(Attribute(stmt.name.id, None, src.of(stmt.value), stmt.lineno))  # type: ignore[attr-defined]
            elif owner is not None and kind not in _FUNCS and kind is not ast.ClassDef:
                for name in ("body", "orelse", "finalbody"):
                    out.extend(self._bindings(getattr(stmt, name, []), owner)[0])
                for handler in getattr(stmt, "handlers", ()):
                    out.extend(self._bindings(handler.body, owner)[0])
            if not found:
                continue
            doc = _docstring_of(body[index + 1 : index + 2])
            if doc is not None:
                used.add(id(body[index + 1]))
                found = [_with_doc(a, doc) for a in found]
            out.extend(found)
        return out, used

    def _targets(
        self,
        target: ast.expr,
        value: str | None,
        annotation: str | None,
        owner: str | None,
        line: int,
    ) -> list[Attribute]:
        kind = type(target)
        if owner is None and kind is ast.Name:
            return [Attribute(target.id, annotation, value, line)]  # type: ignore[attr-defined]
        if owner is not None and kind is ast.Attribute:
            base = target.value  # type: ignore[attr-defined]
            if type(base) is ast.Name and base.id == owner:
                return [Attribute(target.attr, annotation, value, line)]  # type: ignore[attr-defined]
            return []
        if kind is ast.Tuple or kind is ast.List:
            # ``a, b = ...``: each name is bound, but not to the whole value.
            return [a for elt in target.elts for a in self._targets(elt, None, None, owner, line)]  # type: ignore[attr-defined]
        return []


class _LambdaDef:
    """A lambda seen as a function whose body returns its expression (for ``param_uses``)."""

    def __init__(self, node: ast.Lambda) -> None:
        self.args = node.args
        self.body = [ast.Return(value=node.body)]


def _named_lambda(stmt: ast.stmt) -> tuple[str, ast.Lambda] | None:
    """``name = lambda ...`` (or ``name: T = lambda ...``): the name and the lambda."""
    if type(stmt) is ast.Assign and len(stmt.targets) == 1:
        target, value = stmt.targets[0], stmt.value
    elif type(stmt) is ast.AnnAssign and stmt.value is not None:
        target, value = stmt.target, stmt.value
    else:
        return None
    if type(target) is ast.Name and type(value) is ast.Lambda:
        return target.id, value
    return None


def _with_doc(attr: Attribute, doc: str) -> Attribute:
    return Attribute(attr.name, attr.annotation, attr.value, attr.line, doc)
