"""How good a rendered reference page is, measured against the facts extracted from the code.

Nothing here trusts the writer: each figure is read off the page's Markdown and compared with
the module's records.

* **coverage**: public units (module, classes, functions, methods whose name does not start
  with one underscore) that have a section on the page;
* **complete**: shown functions whose section names every parameter a caller passes, says what
  it returns when it returns a value, names every exception the body raises, and (public ones)
  has an example; shown classes with an example;
* **names**: backticked names in prose that exist in the module's source, its imports or the
  builtins (the rest are *unknown*: invented, or from elsewhere);
* **examples**: Python examples on the page that parse and read no name they never bind.

The section labels are the catalog's words, so the measure works for every page language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from docgen.i18n import Catalog
from docgen.markup import BUILTIN_NAMES, inline_code, unbound_names
from docgen.model import ClassInfo, FunctionInfo, ModuleInfo, PageQuality, UnitQuality

__all__ = ["measure"]

_HEADING = re.compile(r"^(#{1,6}) (.+)$", re.M)
_ANCHOR = re.compile(r'^<a id="[^"]*"></a>')  # a section's link target
_HEADING_LINE = re.compile(r"^#.*$", re.M)
_ANY_FENCE = re.compile(r"^(`{3,}|~{3,}).*?^\1$", re.M | re.S)
_SPAN = re.compile(r"(?<!`)`([^`\n]+)`(?!`)|<code>(.*?)</code>")
_NAME = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*(?:\(\))?$")
_WORD = re.compile(r"\w+")
WORST = 10  # units listed by name, worst first


def _public(qualname: str) -> bool:
    return not any(
        part.startswith("_") and not part.startswith("__") for part in qualname.split(".")
    )


def measure(
    module: ModuleInfo, page: str, usage: str, headings: Mapping[str, str], catalog: Catalog
) -> PageQuality:
    """The figures of one module's reference ``page`` (and the example of its ``usage`` note);
    ``headings`` maps function uids to their heading text, as the renderer made them."""
    sections = _sections(page)
    labels = {key: f"**{catalog.t(f'ref.{key}')}**" for key in ("params", "returns", "raises")}
    labels["examples"] = f"**{catalog.t('ref.examples')}**"
    units: list[UnitQuality] = []
    for cls in module.all_classes():
        if _public(cls.qualname):
            units.append(_class(cls, sections.get(inline_code(cls.qualname)), labels))
    for fn in module.all_functions():
        if _public(fn.qualname):
            units.append(_function(fn, sections.get(headings.get(fn.uid, "")), labels))
    known = set(_WORD.findall(module.source)) | {i.bound for i in module.imports} | BUILTIN_NAMES
    known |= set(module.name.split("."))
    known |= {i.module.split(".")[0] for i in module.imports if i.module}
    names = list(_prose_names(page))
    unknown = sorted({n for n in names if n.removesuffix("()").split(".")[0] not in known})
    codes = [
        *_examples(page, labels["examples"]),
        *_examples(usage, f"## {catalog.t('usage.example')}"),
    ]
    bad = [code for code in codes if unbound_names(code) != ()]
    shown = sum(u.shown for u in units)
    return PageQuality(
        units=len(units) + 1,  # the module itself always has its page
        shown=shown + 1,
        complete=sum(u.shown and not u.missing for u in units) + 1,
        names=len(names),
        unknown=tuple(unknown),
        examples=len(codes),
        bad_examples=len(bad),
        worst=tuple(sorted((u for u in units if u.missing), key=lambda u: -len(u.missing))[:WORST]),
    )


def _sections(page: str) -> dict[str, str]:
    """Heading text -> the Markdown up to the next heading of the same or a higher level."""
    found = list(_HEADING.finditer(page))
    ends = [len(page)] * len(found)
    open_: list[tuple[int, int]] = []  # (level, index) of the headings not yet closed
    for i, match in enumerate(found):  # one pass: a heading closes the deeper or equal ones
        level = len(match.group(1))
        while open_ and open_[-1][0] >= level:
            ends[open_.pop()[1]] = match.start()
        open_.append((level, i))
    out: dict[str, str] = {}
    for match, end in zip(found, ends, strict=True):
        out.setdefault(_ANCHOR.sub("", match.group(2), count=1).strip(), page[match.end() : end])
    return out


def _own_part(section: str) -> str:
    """The part of a class section before its methods' headings."""
    cut = _HEADING.search(section)
    return section[: cut.start()] if cut else section


def _class(cls: ClassInfo, section: str | None, labels: Mapping[str, str]) -> UnitQuality:
    if section is None:
        return UnitQuality(cls.uid, shown=False, missing=("section",))
    missing = () if labels["examples"] in _own_part(section) else ("example",)
    return UnitQuality(cls.uid, shown=True, missing=missing)


def _function(fn: FunctionInfo, section: str | None, labels: Mapping[str, str]) -> UnitQuality:
    if section is None:
        return UnitQuality(fn.uid, shown=False, missing=("section",))
    missing: list[str] = []
    for p in fn.call_params:
        star = {"var_positional": "*", "var_keyword": "**"}.get(p.kind.value, "")
        if f"- {inline_code(star + p.name)}" not in section:
            missing.append(f"parameter:{p.name}")
    if fn.returns_value and labels["returns"] not in section:
        missing.append("returns")
    for r in fn.raises:
        name = (r.exception or "").split("(")[0].strip()
        if name and (labels["raises"] not in section or name.rsplit(".", 1)[-1] not in section):
            missing.append(f"raises:{name}")
    wants_example = not fn.property_role and not fn.is_overload and fn.name != "__init__"
    if wants_example and labels["examples"] not in section:
        missing.append("example")
    return UnitQuality(fn.uid, shown=True, missing=tuple(dict.fromkeys(missing)))


def _examples(page: str, label: str) -> list[str]:
    """The Python fences that follow ``label`` (a bold label or a heading line) before the next
    label or heading."""
    out: list[str] = []
    under, fence, python, body = False, "", False, []
    for line in page.splitlines():
        if fence:
            if line == fence:
                if under and python:
                    out.append("\n".join(body))
                fence, body = "", []
            else:
                body.append(line)
            continue
        if line.startswith(("```", "~~~")):
            fence = line[: len(line) - len(line.lstrip(line[0]))]
            python = line[len(fence) :].strip() == "python"
        elif line.startswith(("#", "**")):
            under = line.startswith(label)
    return out


def _prose_names(page: str) -> Iterable[str]:
    prose = _HEADING_LINE.sub("", _ANY_FENCE.sub("", page))  # headings name the units
    tokens = [(a or b).strip() for a, b in _SPAN.findall(prose)]
    return [token for token in tokens if _NAME.match(token)]
