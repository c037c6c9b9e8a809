"""What a model's prose may name, and which language it is written in.

:class:`Names` knows the words a unit's text may put in backticks: the module's own words, the
names its imports bind, the unit's parameters and Python's builtins; an attribute chain is checked
part by part (subscripts and call arguments set aside), with the real module consulted for a
standard-library import. :func:`language_ok` judges one field's language by its words, with code
and identifiers left out.
"""

from __future__ import annotations

import builtins
import importlib
import keyword
import re
import sys
from functools import lru_cache

from docgen.model import FunctionInfo, ModuleInfo, Unit

__all__ = ["FENCED", "SPAN", "Names", "language_ok"]

_BACKTICKED = re.compile(r"(?<!`)`([^`\n]{1,120})`(?!`)")
_SUBSCRIPT = re.compile(r"\[[^\[\]]*\]")
_CALL = re.compile(r"\((?:[^()]|\([^()]*\))*\)")
_DOTTED = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")
_WORD = re.compile(r"\w+", re.U)
_LATIN_WORD = re.compile(r"(?<![\w.])[A-Za-z][A-Za-z'-]*(?![\w.])")
_CYRILLIC_WORD = re.compile(r"[\u0400-\u04ff][\u0400-\u04ff-]*")
FENCED = re.compile(r"```.*?(```|$)", re.S)
SPAN = re.compile(r"`[^`\n]*`")
_MARKUP = re.compile(r"<[^<>\n]{0,200}>|\b(?:https?|mailto|javascript):\S+|\w+\.\w+\S*")
_BUILTIN_NAMES = (
    frozenset(dir(builtins)) | frozenset(keyword.kwlist) | frozenset(keyword.softkwlist)
)
_COMMON = frozenset(
    {"self", "cls", "args", "kwargs", "Optional", "Union", "Any", "Callable", "Iterable",
     "Iterator", "Sequence", "Mapping", "Generator", "AsyncIterator", "Awaitable", "main",
     "__main__", "__name__", "__init__", "__call__", "pip", "python", "pytest"}
)  # fmt: skip
# never imported to look an attribute up: importing them does something
_NO_IMPORT = frozenset({"antigravity", "this", "turtle", "tkinter", "idlelib", "webbrowser"})


def _builtin_attributes() -> frozenset[str]:
    names: set[str] = set()
    for kind in (str, bytes, list, dict, set, tuple, int, float, object, BaseException, type):
        names.update(dir(kind))
    return frozenset(names)


_BUILTIN_ATTRS = _builtin_attributes()


# --------------------------------------------------------------------------------------------
# names


@lru_cache(maxsize=16)
def _identifiers(source: str) -> frozenset[str]:
    """Every word in a module's source, computed once per module (a large module's source would
    otherwise be scanned again for each of its units; a str caches its own hash)."""
    return frozenset(_WORD.findall(source))


@lru_cache(maxsize=256)
def _module_has(module: str, attribute: str) -> bool:
    """Whether the standard-library ``module`` has ``attribute`` (imported to look, once)."""
    if module.split(".")[0] not in sys.stdlib_module_names or module in _NO_IMPORT:
        return False
    try:
        return hasattr(importlib.import_module(module), attribute)
    except Exception:  # any import problem just means: not known
        return False


class Names:
    """What a unit's prose may name: the module's words, its imports, the unit's parameters,
    Python's builtins; attribute chains part by part."""

    def __init__(self, unit: Unit, module: ModuleInfo) -> None:
        self.words = _identifiers(module.source)
        extra = {i.bound for i in module.imports}
        extra.update(module.name.split("."))
        if isinstance(unit, FunctionInfo):
            extra.update(p.name for p in unit.params)
        self.extra = extra
        self.imported: dict[str, str] = {}  # bound name -> the module it may stand for
        for i in module.imports:
            if i.level:
                continue
            if i.module is None:
                self.imported[i.bound] = i.name if i.alias else i.bound
            else:
                self.imported[i.bound] = f"{i.module}.{i.name}"

    def _root(self, name: str) -> bool:
        return name in self.words or name in self.extra or name in _BUILTIN_NAMES or name in _COMMON

    def _part(self, root: str, name: str) -> bool:
        if name in self.words or name in _BUILTIN_ATTRS:
            return True
        module = self.imported.get(root)
        return bool(module) and _module_has(module, name)

    def unknown(self, token: str) -> bool:
        """True when ``token`` (the text of a code span) is a name the code does not have."""
        text = token.strip()
        while True:  # `a[0].b`, `f(x).y`, `g()`: subscripts and call arguments are not names
            shorter = _CALL.sub("", _SUBSCRIPT.sub("", text))
            if shorter == text:
                break
            text = shorter
        if not _DOTTED.match(text):
            return False  # an expression, a literal, a path: not a name to check
        root, *parts = text.split(".")
        if not self._root(root):
            return True
        return any(not self._part(root, part) for part in parts)

    def in_text(self, text: str) -> list[str]:
        if "`" not in text:
            return []
        return [
            m.group(1).strip()
            for m in _BACKTICKED.finditer(FENCED.sub("", text))
            if self.unknown(m.group(1))
        ]


# --------------------------------------------------------------------------------------------
# language


def language_ok(text: str, lang: str) -> bool:
    """Whether ``text`` is written in ``lang``: its words are counted with code spans, fenced
    code and identifier-like words (``snake_case``, ``CamelCase``, ``ALL_CAPS``, capitalised
    names such as Python or JSON) left out, so correct Russian full of English terms passes and
    half-English prose does not."""
    text = _MARKUP.sub(" ", SPAN.sub(" ", FENCED.sub(" ", text)))
    latin = [w for w in _LATIN_WORD.findall(text) if len(w) > 1 and w[0].islower() and w.isalpha()]
    cyrillic = _CYRILLIC_WORD.findall(text)
    if lang == "ru":
        return not (len(latin) >= 2 and len(latin) > len(cyrillic))
    return not (len(cyrillic) >= 2 and len(cyrillic) > len(latin))
