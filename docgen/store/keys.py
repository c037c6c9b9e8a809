"""Hashes that decide what a run may reuse: files, canonical values, code and template trees.

Every cache key and fingerprint in docgen is built from these: a file's bytes
(:func:`file_hash`), an unambiguous text of a value (:func:`canonical_hash`), and a folder of
code or templates (:func:`tree_hash`). The run's page fingerprint (:func:`page_fingerprint`)
says what besides the source a page depends on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from docgen import __version__
from docgen.resources import templates_dir

__all__ = [
    "canonical",
    "canonical_hash",
    "file_hash",
    "page_fingerprint",
    "sha256_text",
    "template_hash",
    "tree_hash",
]


def sha256_text(text: str) -> str:
    """sha256 of a text (lone surrogates kept)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def file_hash(path: str) -> str | None:
    """sha256 of a file's bytes; None when it cannot be read."""
    try:
        with open(path, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        return None


def canonical(value: Any) -> str:
    """An unambiguous text for strings, numbers, None and (nested) tuples or lists of them:
    every string is length-prefixed, so no two different values give the same text."""
    if isinstance(value, str):
        return f"s{len(value)}:{value}"
    if isinstance(value, tuple | list):
        if all(type(v) is str for v in value):  # the usual case, without recursion
            return f"t{len(value)}(" + "".join([f"s{len(v)}:{v}" for v in value]) + ")"
        return f"t{len(value)}(" + "".join([canonical(v) for v in value]) + ")"
    if value is None:
        return "n"
    if isinstance(value, bool | int | float):
        return f"i{value!r}"
    return "r" + canonical(repr(value))


def canonical_hash(value: Any) -> str:
    """sha256 of :func:`canonical` of ``value``."""
    return sha256_text(canonical(value))


def tree_hash(folders: Iterable[Path], pattern: str = "*") -> str:
    """sha256 over the relative names and bytes of the files matching ``pattern`` (recursively)
    in ``folders``; folders that do not exist add nothing."""
    digest = hashlib.sha256()
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob(pattern)):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()


def template_hash(templates: str | None) -> str:
    """A hash of the default templates and the user's (pages, catalog, prompts)."""
    extra = [Path(templates)] if templates else []
    return tree_hash([templates_dir(), *extra])


def page_fingerprint(*, lang: str, writer: str, template_hash: str) -> str:
    """A hash of everything besides the source that a page depends on: docgen's version and
    code (a changed writer or renderer makes different pages), the language, the writer
    (``docgen.write.writer_id``) and the templates (their :func:`template_hash`)."""
    code = tree_hash([Path(__file__).resolve().parents[1]], "*.py")
    parts = [__version__, code, lang, writer, template_hash]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()
