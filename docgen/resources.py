"""Where docgen's bundled templates live.

In a wheel the top-level ``templates/`` folder is installed as ``docgen/templates``; in a source
checkout (editable install, tests) it sits beside the package. Every stage that needs a template,
a prompt or the message catalog asks here.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def templates_dir() -> Path:
    """The directory holding the default templates, prompts and message catalogs."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if (candidate / "i18n").is_dir():
            return candidate
    raise FileNotFoundError(f"docgen templates not found next to {here}")
