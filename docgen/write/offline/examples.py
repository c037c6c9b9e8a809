"""Minimal usage examples built from signatures, for units whose docstring has no doctest.

An example calls the unit with only its required arguments, each a literal picked from the
parameter's annotation (``int`` -> ``1``, ``str | None`` -> ``None``) or, when no literal fits,
the parameter's own name as a variable. Results must parse with :func:`ast.parse`; the writer
drops any that would not. Nothing here claims what the call does.
"""

from __future__ import annotations

import ast
import re
from functools import lru_cache

from docgen.markup import data_summary, one_line, unbound_names
from docgen.model import ClassInfo, Example, FunctionInfo, ModuleInfo, Parameter, ParamKind

_LITERALS = {
    "int": "1",
    "float": "1.0",
    "complex": "1j",
    "str": '"text"',
    "bytes": 'b"data"',
    "bool": "True",
    "None": "None",
    "list": "[]",
    "List": "[]",
    "Sequence": "[]",
    "Iterable": "[]",
    "MutableSequence": "[]",
    "dict": "{}",
    "Dict": "{}",
    "Mapping": "{}",
    "MutableMapping": "{}",
    "set": "set()",
    "Set": "set()",
    "frozenset": "frozenset()",
    "tuple": "()",
    "Tuple": "()",
}
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def literal_for(param: Parameter) -> str:
    """A literal for ``param``'s annotation, else the parameter's name."""
    ann = (param.annotation or "").strip().strip("'\"")
    if ann:
        parts = [p.strip() for p in _split_union(ann)]
        if "None" in parts or ann.startswith(("Optional[", "typing.Optional[")):
            return "None"
        head = parts[0].split("[")[0].rsplit(".", 1)[-1]
        if head == "Literal":
            inner = parts[0][parts[0].find("[") + 1 : -1]
            return inner.split(",")[0].strip() or param.name
        if head in _LITERALS:
            return _LITERALS[head]
    return param.name


def _split_union(ann: str) -> list[str]:
    depth, out, current = 0, [], ""
    for ch in ann:
        depth += ch == "["
        depth -= ch == "]"
        if ch == "|" and depth == 0:
            out.append(current)
            current = ""
        else:
            current += ch
    out.append(current)
    return out


def call_args(params: tuple[Parameter, ...]) -> str:
    """The argument list of a minimal call: required parameters only."""
    args = []
    for p in params:
        if p.default is not None or p.kind in (ParamKind.VAR_POSITIONAL, ParamKind.VAR_KEYWORD):
            continue
        value = literal_for(p)
        args.append(f"{p.name}={value}" if p.kind is ParamKind.KEYWORD_ONLY else value)
    return ", ".join(args)


@lru_cache(maxsize=4096)
def snake(name: str) -> str:
    text = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower().strip("_")
    return text or "obj"


def _import_line(module: ModuleInfo | None, name: str) -> list[str]:
    if module is None or not all(_IDENT.match(p) for p in module.name.split(".")):
        return []
    if module.name == "__main__":
        return []
    return [f"from {module.name} import {name}", ""]


def _instance(cls_qualname: str, module: ModuleInfo | None) -> list[str]:
    """Lines making an instance ``snake(name)`` of the class, from its ``__init__``."""
    cls = _find_class(module, cls_qualname) if module else None
    args = ""
    if cls is not None:
        init = next((m for m in cls.methods if m.name == "__init__"), None)
        if init is not None:
            args = call_args(init.call_params)
        elif any(d.split("(")[0].endswith("dataclass") for d in cls.decorators):
            args = ", ".join(
                literal_for(Parameter(a.name, ParamKind.POSITIONAL_OR_KEYWORD, a.annotation))
                for a in cls.attributes
                if a.value is None and a.annotation and not a.annotation.startswith("ClassVar")
            )
    short = cls_qualname.rsplit(".", 1)[-1]
    return [f"{snake(short)} = {cls_qualname}({args})"]


def _find_class(module: ModuleInfo, qualname: str) -> ClassInfo | None:
    global _CLASSES
    known = _CLASSES  # one module's classes by name, kept while its units are written
    if known[0] is not module:
        by_name: dict[str, ClassInfo] = {}
        for cls in module.all_classes():
            by_name.setdefault(cls.qualname, cls)  # the first, as a search in order finds
        known = _CLASSES = (module, by_name)
    return known[1].get(qualname)


_CLASSES: tuple[ModuleInfo | None, dict[str, ClassInfo]] = (None, {})


def function_example(fn: FunctionInfo, module: ModuleInfo | None) -> str:
    """A minimal call of ``fn``; "" when none can be built. A value the code gives no literal
    for is a placeholder the example binds first (``session = ...  # Session``), so the
    example reads no name it never defines."""
    owner = fn.qualname.rsplit(".", 1)[0] if "." in fn.qualname else None
    known = {**_known_params(owner, module), **{p.name: p for p in fn.params}}
    compared = {name: value for name, use, value in fn.param_uses if use == "compared"}
    return _self_contained(_function_call(fn, module), known, module, compared)


def _known_params(cls_qualname: str | None, module: ModuleInfo | None) -> dict[str, Parameter]:
    """The parameters (or dataclass fields) that making an instance of the class passes."""
    cls = _find_class(module, cls_qualname) if module and cls_qualname else None
    if cls is None:
        return {}
    init = next((m for m in cls.methods if m.name == "__init__"), None)
    if init is not None:
        return {p.name: p for p in init.params}
    return {
        a.name: Parameter(a.name, ParamKind.POSITIONAL_OR_KEYWORD, a.annotation)
        for a in cls.attributes
    }


def _self_contained(
    code: str,
    params: dict[str, Parameter],
    module: ModuleInfo | None = None,
    compared: dict[str, str] | None = None,
) -> str:
    """``code`` with a line binding each parameter it reads but never binds, after its
    imports: a value the code itself gives (the literal the function compares it with, an
    object of the module's own class named by the annotation), else a placeholder."""
    missing = [name for name in unbound_names(code) or () if name in params]
    if not missing:
        return code
    lines = code.split("\n")
    at = 0
    while at < len(lines) and (lines[at].startswith(("import ", "from ")) or not lines[at]):
        at += 1
    holders = []
    for name in missing:
        value = _value_for(params[name], module, (compared or {}).get(name))
        if value is not None:
            holders.append(f"{name} = {value}")
            cls = value.split("(")[0]
            if cls.isidentifier() and module is not None:  # the class is imported too
                lines = _also_import(lines, module.name, cls)
            continue
        annotation = one_line(params[name].annotation or "", 60)
        holders.append(f"{name} = ...  # {annotation}" if annotation else f"{name} = ...")
    head = lines[:at]
    while head and not head[-1]:
        head.pop()
    rest = lines[at:]
    gap = [""] if rest and rest[0].startswith(("def ", "async def ")) else []
    return "\n".join([*head, *([""] if head else []), *holders, *gap, *rest])


def _also_import(lines: list[str], module: str, name: str) -> list[str]:
    """``lines`` whose ``from module import ...`` line also imports ``name``."""
    head = f"from {module} import "
    for i, line in enumerate(lines):
        if line.startswith(head):
            names = [n.strip() for n in line[len(head) :].split(",")]
            if name not in names:
                lines = [*lines[:i], head + ", ".join([*names, name]), *lines[i + 1 :]]
            return lines
    return lines


# a string it is compared with is a value it expects ("fast"); a number is usually a bound
# (``if n <= 0: raise``), so numbers are not taken
_PLAIN_LITERAL = re.compile(r"""^(?:"[^"\\]{1,40}"|'[^'\\]{1,40}')$""")


def _value_for(param: Parameter, module: ModuleInfo | None, compared: str | None) -> str | None:
    """A value the code gives for ``param``, or None: the string it is compared with, or
    ``Cls(...)`` when its annotation names a class of this module that can be made from
    literals alone."""
    if compared and _PLAIN_LITERAL.match(compared):
        return compared
    ann = (param.annotation or "").strip().strip("'\"")
    parts = [p.strip() for p in _split_union(ann)] if ann else []
    if ann.startswith("Optional[") and ann.endswith("]"):
        parts = [ann[len("Optional[") : -1].strip()]
    names = [p for p in parts if p != "None"]
    if module is None or len(names) != 1 or not _IDENT.match(names[0]):
        return None
    cls = _find_class(module, names[0])
    if cls is None or cls.qualname != names[0]:
        return None
    made = _instance(cls.qualname, module)[0].split(" = ", 1)[1]
    return made if unbound_names(made) == (cls.qualname,) else None


def _function_call(fn: FunctionInfo, module: ModuleInfo | None) -> str:
    owner = fn.qualname.rsplit(".", 1)[0] if "." in fn.qualname else None
    top = owner.split(".")[0] if owner else fn.name
    lines = _import_line(module, top)
    is_static = "staticmethod" in fn.decorators
    is_classmethod = "classmethod" in fn.decorators
    params = fn.call_params
    if owner is None:
        target = fn.name
    elif is_static or is_classmethod:
        target = f"{owner}.{fn.name}"
    else:
        if fn.name == "__init__":
            return "\n".join([*lines, *_instance(owner, module)])
        lines += _instance(owner, module)
        target = f"{snake(owner.rsplit('.', 1)[-1])}.{fn.name}"
    if fn.property_role == "getter":
        return "\n".join([*lines, f"value = {target}"])
    if fn.property_role == "setter":
        value = literal_for(params[0]) if params else "None"
        return "\n".join([*lines, f"{target} = {value}"])
    if fn.property_role == "deleter":
        return "\n".join([*lines, f"del {target}"])
    call = f"{target}({call_args(params)})"
    if fn.context_manager == "async":
        lines = ["import asyncio", *([""] if not lines else []), *lines]
        body = ["", "async def demo():", f"    async with {call} as value:", "        print(value)"]
        return "\n".join([*lines, *body, "", "asyncio.run(demo())"])
    if fn.context_manager:
        return "\n".join([*lines, f"with {call} as value:", "    print(value)"])
    if fn.is_async:
        lines = ["import asyncio", *([""] if not lines else []), *lines]
        if fn.yields:
            body = [
                "",
                "async def demo():",
                f"    async for item in {call}:",
                "        print(item)",
                "",
                "asyncio.run(demo())",
            ]
            return "\n".join([*lines, *body])
        call = f"asyncio.run({call})"
    elif fn.yields:
        return "\n".join([*lines, f"for item in {call}:", "    print(item)"])
    return "\n".join([*lines, f"result = {call}" if fn.returns_value else call])


def class_example(cls: ClassInfo, module: ModuleInfo | None) -> str:
    top = cls.qualname.split(".")[0]
    code = "\n".join([*_import_line(module, top), *_instance(cls.qualname, module)])
    return _self_contained(code, _known_params(cls.qualname, module))


def public_api(mod: ModuleInfo) -> list[FunctionInfo | ClassInfo]:
    """The module's public entries in order: the names ``__all__`` lists (when it is a literal),
    else every top-level class and function not named with an underscore (overload variants
    and conditional duplicates once)."""
    units: dict[str, FunctionInfo | ClassInfo] = {}
    for unit in (*mod.functions, *mod.classes):
        units.setdefault(unit.name, unit)
    listed = _dunder_all(mod)
    if listed is not None:
        return [units[n] for n in listed if n in units]
    ordered = sorted(units.values(), key=lambda u: (is_exception(u), u.line_start))
    return [u for u in ordered if not u.name.startswith("_")]


def is_exception(unit: FunctionInfo | ClassInfo) -> bool:
    """An exception class: listed after the entries a user calls (it is what they catch)."""
    if not isinstance(unit, ClassInfo):
        return False
    return any(b.rsplit(".", 1)[-1].endswith(("Error", "Exception", "Warning")) for b in unit.bases)


def _dunder_all(mod: ModuleInfo) -> list[str] | None:
    for attr in mod.attributes:
        if attr.name == "__all__" and attr.value:
            try:
                value = ast.literal_eval(attr.value)
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                return None
            if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
                return list(value)
    return None


def module_example(mod: ModuleInfo) -> str:
    """The ``__main__`` block, the whole file of a script, or an import and one call of the
    module's first public entry (``__all__`` first; never an underscore helper)."""
    if mod.main_block is not None:
        return mod.main_block.source.strip("\n")
    data = data_summary(mod)
    if data:  # its names, imported and used: not its whole text
        public = [name for name, _, _ in data if not name.startswith("_")]
        sized = next((n for n, kind, size in data if n in public and size >= 0), None)
        lines = [f"from {mod.name} import {', '.join(public)}"] if public else []
        if sized and lines:
            lines.append(f"print(len({sized}))")
        return "\n".join(lines)
    if mod.is_script:
        return mod.source.strip("\n")
    for unit in public_api(mod):
        if isinstance(unit, FunctionInfo):
            return function_example(unit, mod)
        return class_example(unit, mod)
    return ""


def parses(source: str) -> bool:
    """Whether ``source`` is valid Python. Read with :func:`~docgen.markup.unbound_names`,
    whose cache the quality measure then finds filled for the same example (one parse of
    each example per run, not three)."""
    return unbound_names(source) is not None


def example_or_none(source: str) -> Example | None:
    return Example(source) if source and parses(source) else None
