"""reST markup in docstrings read as Markdown-ready text: what a docstring means to show.

Docstrings are written for Sphinx as often as not. Their inline markup becomes what Markdown
has for it (roles are code spans, hyperlinks their text; ``*emphasis*`` and ``**strong**`` are
the same in both and stay), and their block markup becomes text the page escapes safely: a
section title is strong text, a ``::`` literal block an indented block (shown as code), an
admonition its title in strong text, doctest blocks leave the prose (they are the examples).
The result is still prose to escape: braces, ``<tags>`` and the like stay literal text.
"""

from __future__ import annotations

import re

__all__ = ["plain_text"]

# :func:`name`, :py:meth:`~pkg.Class.method`, :ref:`Title <label>` -> `name`, `method`, Title
_ROLE = re.compile(r":(?:[\w-]+:)?([\w-]+):`(~?)([^`<]*?)\s*(?:<[^`>]*>)?`")
_PROSE_ROLES = frozenset({"ref", "doc", "term", "abbr", "dfn"})  # their text is prose
# `Python <https://python.org>`_ and `name`_ (and the anonymous __): the text
_HYPERLINK = re.compile(r"`([^`<\n]+?)\s*(?:<[^`>\n]*>)?`__?(?!\w)")
_UNDERLINE = re.compile(r"^\s*([=\-~^\"'`#*+])\1{2,}\s*$")
_DIRECTIVE = re.compile(r"^(\s*)\.\.\s+([\w-]+)::\s*(.*)$")
_COMMENT = re.compile(r"^\s*\.\.(?:\s.*)?$")  # ".. comment" and a bare ".."
_TITLED = {  # admonitions and notes shown as their (capitalised) name, then their text
    "note", "warning", "tip", "hint", "important", "caution", "danger", "attention", "error",
    "seealso", "todo", "deprecated", "versionadded", "versionchanged", "admonition",
}  # fmt: skip


def plain_text(text: str) -> str:
    """reST roles as code spans (a ``~`` keeps the last name part; ``:ref:`` and the like keep
    their text), hyperlinks as their text, section titles as strong text (their underlines
    dropped), ``::`` as ``:`` before a literal block, admonitions as their strong name, other
    directives and comments dropped (their indented body stays), doctest blocks dropped,
    ``\\*`` as ``*``."""
    if not text:
        return text
    if "`" in text:
        text = _ROLE.sub(_role, text)
        text = _HYPERLINK.sub(r"\1", text)
    lines = text.split("\n")
    if not any(_block_markup(line) for line in lines):
        return text.replace("\\*", "*")
    return "\n".join(_blocks(lines)).replace("\\*", "*")


def _role(match: re.Match[str]) -> str:
    kind, short, target = match.group(1), match.group(2), match.group(3).strip()
    if short:
        target = target.rsplit(".", 1)[-1]
    return target if kind in _PROSE_ROLES else f"`{target}`"


def _block_markup(line: str) -> bool:
    stripped = line.strip()
    return (
        stripped.startswith((">>>", ".."))
        or stripped.endswith("::")
        or bool(_UNDERLINE.match(line))
    )


def _blocks(lines: list[str]) -> list[str]:
    out: list[str] = []
    in_doctest = False
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith(">>>"):
            in_doctest = True
        if in_doctest:  # the prompt lines and their output, up to a blank line
            if not stripped:
                in_doctest = False
                out.append(line)
            continue
        if _UNDERLINE.match(line):
            continue  # an underline (its title is made strong below) or an overline
        if i + 1 < len(lines) and _UNDERLINE.match(lines[i + 1]) and stripped:
            out.append(f"**{stripped}**")
            continue
        directive = _DIRECTIVE.match(line)
        if directive:
            indent, name, rest = directive.groups()
            if name in _TITLED:
                title = name.capitalize() if name != "seealso" else "See also"
                out.append(f"{indent}**{title}:** {rest}".rstrip())
            elif rest and name not in ("code-block", "code", "sourcecode", "highlight"):
                out.append(f"{indent}{rest}")  # ".. rubric:: Title": its argument is text
            continue
        if _COMMENT.match(line):
            continue
        if stripped == "::":
            continue  # "paragraph\n\n::\n\n    code": the block is shown as code anyway
        if stripped.endswith("::"):
            line = line.rstrip()[:-1]  # "like this::" -> "like this:"
        out.append(line)
    return out
