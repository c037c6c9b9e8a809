"""Small stage records for the chat-writer tests, built from inline source with ``ast``.

The real extractor (libcst) lives in another stage; these tests only need the fields the chat
writer reads, so a few lines of ``ast`` keep them independent of it.
"""

from __future__ import annotations

import ast
import hashlib
import textwrap

from docgen.model import (
    Attribute,
    ClassDoc,
    ClassInfo,
    Example,
    FunctionDoc,
    FunctionInfo,
    Import,
    MainBlock,
    ModuleDoc,
    ModuleInfo,
    ParamDoc,
    Parameter,
    ParamKind,
    Raise,
    RaiseDoc,
    UnitKind,
)
from docgen.write.base import UnitContext


def _params(args: ast.arguments) -> tuple[Parameter, ...]:
    out: list[Parameter] = []
    positional = [*args.posonlyargs, *args.args]
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    for i, (arg, default) in enumerate(zip(positional, defaults, strict=True)):
        kind = (
            ParamKind.POSITIONAL_ONLY
            if i < len(args.posonlyargs)
            else ParamKind.POSITIONAL_OR_KEYWORD
        )
        out.append(_param(arg, kind, default))
    if args.vararg:
        out.append(_param(args.vararg, ParamKind.VAR_POSITIONAL, None))
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        out.append(_param(arg, ParamKind.KEYWORD_ONLY, default))
    if args.kwarg:
        out.append(_param(args.kwarg, ParamKind.VAR_KEYWORD, None))
    return tuple(out)


def _param(arg: ast.arg, kind: ParamKind, default: ast.expr | None) -> Parameter:
    annotation = ast.unparse(arg.annotation) if arg.annotation else None
    return Parameter(arg.arg, kind, annotation, ast.unparse(default) if default else None)


def _walk_body(node: ast.AST):
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        yield child
        yield from _walk_body(child)


def _function(node, module: str, prefix: str, source: str) -> FunctionInfo:
    raises = []
    returns = []
    yields = False
    for child in _walk_body(node):
        if isinstance(child, ast.Raise):
            exc = child.exc
            name = None
            if exc is not None:
                name = ast.unparse(exc.func if isinstance(exc, ast.Call) else exc)
            raises.append(Raise(name, None, child.lineno))
        elif isinstance(child, ast.Return) and child.value is not None:
            returns.append(ast.unparse(child.value))
        elif isinstance(child, ast.Yield | ast.YieldFrom):
            yields = True
    return FunctionInfo(
        module=module,
        qualname=prefix + node.name,
        name=node.name,
        kind=UnitKind.METHOD if prefix else UnitKind.FUNCTION,
        line_start=node.lineno,
        line_end=node.end_lineno or node.lineno,
        source=ast.get_source_segment(source, node) or "",
        is_async=isinstance(node, ast.AsyncFunctionDef),
        decorators=tuple(ast.unparse(d) for d in node.decorator_list),
        params=_params(node.args),
        returns=ast.unparse(node.returns) if node.returns else None,
        docstring=ast.get_docstring(node),
        raises=tuple(raises),
        return_values=tuple(returns),
        yields=yields,
        calls=(),
        flow=(),
    )


def _class(node: ast.ClassDef, module: str, source: str) -> ClassInfo:
    attributes = []
    methods = []
    for item in node.body:
        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            value = ast.unparse(item.value) if item.value else None
            attributes.append(
                Attribute(item.target.id, ast.unparse(item.annotation), value, item.lineno)
            )
        elif isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
            methods.append(_function(item, module, node.name + ".", source))
    return ClassInfo(
        module=module,
        qualname=node.name,
        name=node.name,
        line_start=node.lineno,
        line_end=node.end_lineno or node.lineno,
        source=ast.get_source_segment(source, node) or "",
        bases=tuple(ast.unparse(b) for b in node.bases),
        decorators=(),
        docstring=ast.get_docstring(node),
        attributes=tuple(attributes),
        methods=tuple(methods),
        classes=(),
    )


def make_module(source: str, name: str = "pkg.mod") -> ModuleInfo:
    """A ModuleInfo for ``source`` (dedented)."""
    source = textwrap.dedent(source).lstrip("\n")
    tree = ast.parse(source)
    imports, classes, functions = [], [], []
    main = None
    for node in tree.body:
        if isinstance(node, ast.Import):
            imports += [Import(None, a.name, a.asname, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            imports += [
                Import(node.module, a.name, a.asname, node.lineno, node.level) for a in node.names
            ]
        elif isinstance(node, ast.ClassDef):
            classes.append(_class(node, name, source))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            functions.append(_function(node, name, "", source))
        elif isinstance(node, ast.If) and "__main__" in ast.unparse(node.test):
            main = MainBlock(
                node.lineno,
                node.end_lineno or node.lineno,
                ast.get_source_segment(source, node) or "",
                (),
                (),
            )
    return ModuleInfo(
        name=name,
        path=name.replace(".", "/") + ".py",
        source_hash=hashlib.sha256(source.encode()).hexdigest(),
        source=source,
        docstring=ast.get_docstring(tree),
        imports=tuple(imports),
        attributes=(),
        statements=(),
        main_block=main,
        classes=tuple(classes),
        functions=tuple(functions),
        line_count=source.count("\n") + 1,
    )


def context_for(module: ModuleInfo, lang: str = "ru") -> UnitContext:
    return UnitContext(module=module, lang=lang)


def offline_stub(unit, context) -> FunctionDoc | ClassDoc | ModuleDoc:
    """A stand-in for OfflineWriter.document: recognisable, fact-based content."""
    if isinstance(unit, ModuleInfo):
        return ModuleDoc("OFFLINE " + unit.name, "OFFLINE overview", "", (), None, "")
    if isinstance(unit, ClassInfo):
        return ClassDoc("OFFLINE " + unit.name, "", (), ())
    params = tuple(ParamDoc(p.name, "OFFLINE param") for p in unit.params if p.name != "self")
    raises = tuple(RaiseDoc(r.exception, "OFFLINE raise") for r in unit.raises if r.exception)
    return FunctionDoc(
        "OFFLINE " + unit.name,
        params,
        "OFFLINE returns",
        raises,
        (),
        (Example("pass"),),
        summary="OFFLINE summary",
    )
