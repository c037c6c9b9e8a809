"""The manifest: what docgen wrote into an output folder, read once per run and written by the
site writer. This module is its only reader and writer."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping

from docgen.errors import SiteError
from docgen.model import MANIFEST_VERSION, Manifest, ManifestEntry
from docgen.site.paths import safe_rel

__all__ = ["MANIFEST_NAME", "manifest_bytes", "read_manifest"]

MANIFEST_NAME = ".docgen-manifest.json"  # a dotfile: MkDocs leaves it out of the site


def read_manifest(out_dir: str) -> Manifest | None:
    """The manifest of ``out_dir``; None when there is none. Raises SiteError when unreadable."""
    path = os.path.join(out_dir, MANIFEST_NAME)
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise SiteError(f"cannot read the manifest: {exc}", path=path) from exc
    try:
        pages = {
            rel: ManifestEntry(
                module=str(e["module"]),
                kind=str(e["kind"]),
                source_hash=str(e["source_hash"]),
                sha256=str(e["sha256"]),
                title=str(e.get("title", "")),
                complete=bool(e.get("complete", True)),
            )
            for rel, e in data["pages"].items()
            if safe_rel(rel)
        }
        return Manifest(
            version=int(data["version"]),
            pages=pages,
            fingerprint=str(data.get("fingerprint", "")),
            lang=str(data.get("lang", "")),
            template_hash=str(data.get("template_hash", "")),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SiteError(f"not a docgen manifest: {exc!r}", path=path) from exc


def manifest_bytes(
    pages: Mapping[str, ManifestEntry], *, fingerprint: str, lang: str, template_hash: str
) -> bytes:
    """The manifest file's bytes (sorted, stable: the same pages give the same file)."""
    data = {
        "version": MANIFEST_VERSION,
        "fingerprint": fingerprint,
        "lang": lang,
        "template_hash": template_hash,
        "pages": {
            rel: {
                "module": e.module,
                "kind": e.kind,
                "source_hash": e.source_hash,
                "sha256": e.sha256,
                "title": e.title,
                "complete": e.complete,
            }
            for rel, e in sorted(pages.items())
        },
    }
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
