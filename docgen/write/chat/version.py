"""What identifies the prompts: a hash of the prompt templates and of the code that fills them,
part of every cached answer's key (a changed prompt asks again)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from docgen.resources import templates_dir
from docgen.store.keys import tree_hash

__all__ = ["PROMPT_SOURCES", "prompt_version"]

# The code a prompt's text depends on, relative to the docgen package: this module and what it
# imports. tests/test_fingerprints.py fails when a module reachable from here is missing.
PROMPT_SOURCES = (
    "write/chat/prompts.py",
    "write/chat/answer.py",
    "write/chat/sanitize.py",
    "write/chat/estimate.py",
    "extract/outline.py",
    "markup.py",
    "model/*.py",
    "resources.py",
    "errors.py",
)


def prompt_version(templates: str | None = None) -> str:
    """A hash of what makes a prompt: the code of :data:`PROMPT_SOURCES`, the bundled prompt
    templates, and ``prompts/`` of the user's ``--templates`` folder when it has one."""
    package = Path(__file__).resolve().parents[2]
    roots = [templates_dir() / "prompts"] + ([Path(templates) / "prompts"] if templates else [])
    digest = hashlib.sha256(tree_hash(roots, "*.j2").encode())
    for path in sorted({p for pattern in PROMPT_SOURCES for p in package.glob(pattern)}):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]
