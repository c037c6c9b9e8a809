"""Make model text safe to put into a Markdown page.

Everything a chat model says is data. Before it becomes part of a :class:`~docgen.model.Doc` it
passes through here so that, whatever the model wrote:

- no raw HTML (``<script>``, ``<img onerror=…>``, comments) reaches the site: ``<``/``>`` outside
  code are written as entities, which Markdown shows as the literal characters;
- links can only point to ``http(s)``/``mailto`` addresses and images are reduced to their text;
- headings, setext underlines, admonitions and attribute lists (``{: onclick=…}``) in model text
  are escaped, so the page structure stays the template's;
- code fences are balanced, and example code cannot close the fence the template puts around it;
- MkDocs snippet markers (``--8<--``), which would include a file chosen by the model, are broken.

The functions are pure and cheap; they never raise.
"""

from __future__ import annotations

import re

from docgen.markup import text_value

__all__ = ["sanitize_block", "sanitize_code", "sanitize_inline"]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.S)
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\(\s*([^)\s]*)[^)]*\)")
_SAFE_URL = re.compile(r"^(https?://|mailto:)", re.I)
_HEADING = re.compile(r"^( {0,3})(#{1,6})(?=\s|$)")
_SETEXT = re.compile(r"^ {0,3}(=+|-{3,}|\*{3,}|_{3,})\s*$")
_BLOCK_MARK = re.compile(r"^( {0,3})(!!!|\?\?\?\+?|:::)")
_SNIPPET = re.compile(r"-+8<-+|;*--8<--")
_CODE_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})")
_LINK_REF = re.compile(r"^( {0,3})\[([^\]]+)\]:")


def _clean(text: object) -> str:
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text_value(text))


def _escape_prose(text: str) -> str:
    """Escape one stretch of prose that holds no code spans."""
    text = _IMAGE.sub(lambda m: m.group(1), text)
    text = _LINK.sub(
        lambda m: m.group(0) if _SAFE_URL.match(m.group(2)) else m.group(1),
        text,
    )
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("{", "\\{").replace("}", "\\}")
    return text


def _escape_line(line: str) -> str:
    """Escape prose on one line, keeping inline code spans as they are."""
    out: list[str] = []
    pos = 0
    for match in _CODE_SPAN.finditer(line):
        out.append(_escape_prose(line[pos : match.start()]))
        out.append(match.group(0).replace("--8<--", "--8 <--"))
        pos = match.end()
    out.append(_escape_prose(line[pos:]))
    escaped = "".join(out)
    escaped = _HEADING.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)
    escaped = _BLOCK_MARK.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)
    escaped = _LINK_REF.sub(lambda m: m.group(1) + "\\[" + m.group(2) + "]:", escaped)
    if _SETEXT.match(escaped):
        escaped = "\\" + escaped.lstrip()
    return escaped


def sanitize_inline(text: object, *, limit: int = 2000) -> str:
    """One line of prose (a purpose, a parameter description, a step): newlines become spaces."""
    text = " ".join(_clean(text).split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return _escape_line(text)


def sanitize_block(text: object, *, limit: int = 8000) -> str:
    """Several paragraphs of prose; fenced code inside is kept and its fences balanced."""
    text = _clean(text).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    out: list[str] = []
    fence: str | None = None
    for line in text.split("\n"):
        match = _FENCE.match(line)
        if fence is None and match:
            fence = match.group(1)[0] * len(match.group(1))
            info = re.match(r"[\w+-]*", line.strip()[len(fence) :].strip()).group(0)
            out.append(fence + info)
        elif fence is not None:
            if match and match.group(1).startswith(fence) and not line.strip()[len(fence) :]:
                out.append(fence)
                fence = None
            else:
                out.append(_SNIPPET.sub("--8 <--", line))
        else:
            out.append(_escape_line(line.rstrip()))
    if fence is not None:
        out.append(fence)
    return "\n".join(out).strip("\n")


def sanitize_code(code: object, *, limit: int = 6000) -> str:
    """Example code: it goes inside a fence the template writes, so it may not end that fence."""
    text = _clean(code).strip("\n")
    if len(text) > limit:
        text = text[:limit]
    lines = []
    for line in text.split("\n"):
        line = _CODE_FENCE.sub(lambda m: m.group(1) + " ".join(m.group(2)), line.rstrip())
        lines.append(_SNIPPET.sub("--8 <--", line))
    return "\n".join(lines)
