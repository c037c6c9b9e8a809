"""Source text for the extract stage: decoding, byte-exact slicing and one-line labels.

``ast`` reports columns as UTF-8 byte offsets into each line, so the text is kept as UTF-8 bytes
with the byte offset of every line start; a slice by ``(line, col, end_line, end_col)`` is then an
exact piece of the file as written (CRLF, tabs and non-ASCII included), never regenerated code.
"""

from __future__ import annotations

import ast
import io
import tokenize
from itertools import accumulate

from docgen.markup import one_line, shorten_code

# why a file gives no module (a note, not a problem, in most commands)
EMPTY_FILE = "empty file, nothing to document"
ONLY_COMMENTS = "only comments, nothing to document"

LABEL_WIDTH = 80


def short_label(text: str) -> str:
    """Source text as a label: one line of at most ``LABEL_WIDTH`` characters, shortened at a
    syntax boundary (``payload = {…}``, ``create(model=…, messages=…)``), never mid-string."""
    line = one_line(text)
    return line if len(line) <= LABEL_WIDTH else shorten_code(line, LABEL_WIDTH)


def decode(data: bytes) -> str:
    """Decode file bytes as Python does: PEP 263 cookie or BOM, else UTF-8; the BOM is dropped.

    Raises ``SyntaxError`` for a bad cookie and ``UnicodeDecodeError`` for undecodable bytes.
    """
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = data.decode(encoding)
    return text[1:] if text.startswith("\ufeff") else text


class SourceText:
    """The decoded text of one module, sliceable by ``ast`` positions."""

    __slots__ = ("data", "starts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.data = text.encode("utf-8", "surrogatepass")
        # bytes.splitlines breaks at \n, \r\n and \r only: the line breaks of Python source.
        self.starts = [0, *accumulate(map(len, self.data.splitlines(keepends=True)))]

    @property
    def line_count(self) -> int:
        """Lines as an editor counts them (a final newline does not open a new line)."""
        if not self.data:
            return 0
        return len(self.starts) - 1 if self.starts[-1] == len(self.data) else len(self.starts)

    def offset(self, line: int, col: int) -> int:
        return self.starts[line - 1] + col

    def slice(self, line: int, col: int, end_line: int, end_col: int) -> str:
        start = self.starts[line - 1] + col
        end = self.starts[end_line - 1] + end_col
        return self.data[start:end].decode("utf-8", "surrogatepass")

    def of(self, node: ast.AST) -> str:
        """The exact text of an expression or statement node."""
        return self.slice(node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]

    def label(self, node: ast.AST) -> str:
        return short_label(self.of(node))

    def lines_of(self, line: int, end_line: int, end_col: int) -> str:
        """Whole lines from ``line`` (indentation included) up to ``end_col`` of ``end_line``."""
        return self.slice(line, 0, end_line, end_col)
