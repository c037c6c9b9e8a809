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

# a heading line, looked for in "\n" + text: a match starts where the line does in the text
# (an ``^`` anchor made the engine try every character: 2.8x slower on stdlib pages)
_HEADING = re.compile(r"\n(#{1,6}) ([^\n]+)")
_ANCHOR = re.compile(r'^<a id="[^"]*"></a>')  # a section's link target
# In one pass over "\n" + page: a fenced block or a heading line (both skipped: headings name
# the units), else a code span in prose. Every branch starts with a plain character, so the
# regex engine skips to the next "\n", "`" or "<" at C speed; written with line anchors (``^``)
# and a leading lookbehind it tried each branch at every character (1.6x slower on stdlib pages)
_PROSE_SPAN = re.compile(
    r"\n(?:(`{3,}|~{3,})(?s:.*?)\n\1(?=\n|\Z)|#[^\n]*)|`(?<!``)([^`\n]+)`(?!`)|<code>(.*?)</code>"
)
_NAME = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*(?:\(\))?$")
_WORD = re.compile(r"\w+")
# more words than this to look up: the set of the source's words instead (a str.find per word is
# cheaper up to here: the measure of 423 stdlib pages took 0.66 s with 64, 0.74 s with 8)
_FEW_WORDS = 64
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
    known = {i.bound for i in module.imports} | BUILTIN_NAMES | set(module.name.split("."))
    known |= {i.module.split(".")[0] for i in module.imports if i.module}
    known |= {a.name for a in module.attributes}
    for cls in module.all_classes():  # names the source holds, from the records
        known.add(cls.name)
    for fn in module.all_functions():
        known.add(fn.name)
        known.update(p.name for p in fn.params)
    names = list(_prose_names(page))
    first = {n: n.removesuffix("()").split(".")[0] for n in names}
    left = set(first.values()) - known
    if len(left) > _FEW_WORDS:
        left -= set(_WORD.findall(module.source))
    absent = {w for w in left if not _a_word_of(module.source, w)}
    unknown = sorted(n for n, w in first.items() if w in absent)
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
    found = list(_HEADING.finditer("\n" + page))
    ends = [len(page)] * len(found)
    open_: list[tuple[int, int]] = []  # (level, index) of the headings not yet closed
    for i, match in enumerate(found):  # one pass: a heading closes the deeper or equal ones
        level = len(match.group(1))
        while open_ and open_[-1][0] >= level:
            ends[open_.pop()[1]] = match.start()
        open_.append((level, i))
    out: dict[str, str] = {}
    for match, end in zip(found, ends, strict=True):
        text = page[match.end() - 1 : end]  # the match ends a character later in "\n" + page
        out.setdefault(_ANCHOR.sub("", match.group(2), count=1).strip(), text)
    return out


def _own_part(section: str) -> str:
    """The part of a class section before its methods' headings."""
    cut = _HEADING.search("\n" + section)
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
    tokens = [(a or b).strip() for _, a, b in _PROSE_SPAN.findall("\n" + page) if a or b]
    return [token for token in tokens if _NAME.match(token)]


def _a_word_of(text: str, word: str) -> bool:
    """Whether ``word`` occurs in ``text`` as a whole ``\\w+`` word (found with ``str.find``:
    after the names the records give, few are usually left, and the set of every word of the
    module cost 15 % of the measure)."""
    end = len(text)
    at = text.find(word)
    while at != -1:
        after = at + len(word)
        if not (at and _word_char(text[at - 1])) and not (after < end and _word_char(text[after])):
            return True
        at = text.find(word, at + 1)
    return False


def _word_char(char: str) -> bool:
    return char.isalnum() or char == "_"
