"""docgen: Russian Markdown documentation for Python code, written by a chat model or offline.

``docgen src/`` parses every module under ``src/`` with libcst, documents each function, class and
module, and writes an MkDocs site. See :func:`docgen.pipeline.run` for the order of the stages.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
