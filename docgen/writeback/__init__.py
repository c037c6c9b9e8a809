"""Back into the code: docstrings docgen composed, written into the source with libcst."""

from docgen.writeback.insert import Insertion, insert_docstrings

__all__ = ["Insertion", "insert_docstrings"]
