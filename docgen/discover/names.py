"""Module names from the package structure, made unique across the roots of one run.

From the file, walk up while the parent folder holds ``__init__.py`` (``src/pkg/__init__.py`` is
package ``pkg``; a top-level ``tool.py`` is ``tool``). When two files get the same name (two roots,
or scripts in two folders), each of them is prefixed with the folders above its package, one more
at a time, until the names differ (``a/tool.py`` and ``b/tool.py`` become ``a.tool`` and
``b.tool``); a numeric suffix settles what folders cannot.
"""

from __future__ import annotations

import os

__all__ = ["natural_name", "unique_names"]


def natural_name(abs_path: str) -> str:
    folder, filename = os.path.split(abs_path)
    stem = filename[: -len(".py")] if filename.endswith(".py") else filename
    parts = [] if stem == "__init__" else [stem]
    if stem == "__init__":
        parts.append(os.path.basename(folder))
        folder = os.path.dirname(folder)
    while os.path.isfile(os.path.join(folder, "__init__.py")):
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        parts.append(os.path.basename(folder))
        folder = parent
    return ".".join(reversed(parts))


def unique_names(names: list[str], rel_paths: list[str]) -> list[str]:
    """Make clashing names distinct: prefix folders above the package, then number them."""
    out = list(names)
    groups: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        groups.setdefault(name, []).append(i)
    taken = set(names)
    for name, members in sorted(groups.items()):
        if len(members) < 2:
            continue
        members.sort(key=lambda i: rel_paths[i])
        # the folders of rel_path above the package ("..", "." dropped)
        above: dict[int, list[str]] = {}
        for i in members:
            folders = [p for p in rel_paths[i].split("/")[:-1] if p not in ("", ".", "..")]
            depth = name.count(".") + (1 if rel_paths[i].endswith("__init__.py") else 0)
            above[i] = folders[: max(0, len(folders) - depth)]
        resolved = False
        for extra in range(1, max(len(v) for v in above.values()) + 1):
            # each member takes up to ``extra`` of its nearest folders
            candidates = {i: ".".join([*above[i][-extra:], name]) for i in members}
            values = list(candidates.values())
            if len(set(values)) == len(values) and not (set(values) & (taken - {name})):
                for i in members:
                    out[i] = candidates[i]
                taken.update(values)
                resolved = True
                break
        if not resolved:
            number = 1
            for i in members[1:]:
                number += 1
                while f"{name}_{number}" in taken:
                    number += 1
                out[i] = f"{name}_{number}"
                taken.add(out[i])
    return out
