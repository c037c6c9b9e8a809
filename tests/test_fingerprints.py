"""The layout's promises, read from the code itself: fingerprints that cannot drift, stages that
import only earlier stages, and no import circle.

Imports are read statically (every ``import`` statement, those inside functions too) and resolve
to the module file they name: ``from docgen.extract.outline import outline`` depends on
``docgen/extract/outline.py``, not on the package's ``__init__``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import docgen.extract as extract
from docgen.extract import EXTRACTOR_SOURCES
from docgen.write.chat.version import PROMPT_SOURCES

PACKAGE = Path(extract.__file__).resolve().parents[1]
# the stages in pipeline order; the shared modules at the top level and store/ come before them
ORDER = [
    "foundation", "ui", "store", "discover", "extract", "write", "render", "site", "writeback",
    "driver",
]  # fmt: skip
DRIVERS = {
    "pipeline.py", "cli.py", "commands.py", "batches.py", "docstrings.py", "mkdocs_plugin.py",
    "__main__.py",
}  # fmt: skip


def module_file(name: str) -> Path | None:
    """The file of ``docgen.a.b``: ``docgen/a/b.py`` or ``docgen/a/b/__init__.py``."""
    parts = name.split(".")[1:]
    base = PACKAGE.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imports_of(path: Path) -> set[Path]:
    """The docgen module files ``path`` imports."""
    out: set[Path] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # "from docgen.x import y": y may itself be a module
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
            names = [n for n in names[:-1] if module_file(n)] or [node.module]
        for name in names:
            if name == "docgen" or name.startswith("docgen."):
                found = module_file(name)
                if found is not None and found != path:
                    out.add(found)
    return out


def closure(start: Path) -> set[Path]:
    seen: set[Path] = set()
    todo = [start]
    while todo:
        path = todo.pop()
        if path not in seen:
            seen.add(path)
            todo.extend(imports_of(path))
    return seen


def covered(patterns: tuple[str, ...]) -> set[Path]:
    return {p for pattern in patterns for p in PACKAGE.glob(pattern)}


def rel(paths: set[Path]) -> list[str]:
    return sorted(p.relative_to(PACKAGE).as_posix() for p in paths)


def test_extractor_fingerprint_covers_everything_a_record_is_built_with() -> None:
    built_with = closure(PACKAGE / "extract" / "parse.py") | closure(
        PACKAGE / "extract" / "outline.py"
    )
    assert rel(built_with - covered(EXTRACTOR_SOURCES)) == []


def test_prompt_fingerprint_covers_everything_a_prompt_is_built_with() -> None:
    built_with = closure(PACKAGE / "write" / "chat" / "prompts.py")
    assert rel(built_with - covered(PROMPT_SOURCES)) == []


def test_the_check_fails_when_a_module_is_left_out() -> None:
    # the same comparison as above, with one module taken out of the list: it must be named
    built_with = closure(PACKAGE / "extract" / "parse.py")
    fewer = tuple(p for p in EXTRACTOR_SOURCES if p != "markup.py")
    assert rel(built_with - covered(fewer)) == ["markup.py"]


def test_extractor_fingerprint_follows_the_code(monkeypatch, tmp_path) -> None:
    before = extract.fingerprint()
    extract.fingerprint.cache_clear()
    monkeypatch.setattr(extract, "EXTRACT_FORMAT", extract.EXTRACT_FORMAT + 1)
    try:
        assert extract.fingerprint() != before
    finally:
        extract.fingerprint.cache_clear()


def layer(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    if len(relative.parts) == 1 or relative.parts[0] == "model":
        return "driver" if relative.name in DRIVERS else "foundation"
    return relative.parts[0]


def test_no_stage_imports_a_later_one() -> None:
    wrong = []
    for path in PACKAGE.rglob("*.py"):
        for target in imports_of(path):
            if ORDER.index(layer(target)) > ORDER.index(layer(path)):
                wrong.append(f"{rel({path})[0]} imports {rel({target})[0]}")
    assert wrong == []


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("store", "write"),  # the cache knows no writer
        ("write/chat/client.py", "write/chat/prompts.py"),  # the transport knows no prompts
        ("write/offline", "render"),  # the offline writer uses shared formatting only
    ],
)
def test_named_boundaries(module: str, forbidden: str) -> None:
    sources = [PACKAGE / module] if module.endswith(".py") else (PACKAGE / module).rglob("*.py")
    for path in sources:
        for target in closure(path):
            assert not rel({target})[0].startswith(forbidden), f"{module} reaches {target}"


def test_no_import_circle_between_modules() -> None:
    graph = {path: imports_of(path) for path in PACKAGE.rglob("*.py")}
    # a package __init__ re-exporting its own modules is not a circle: leave those edges out
    for path, targets in graph.items():
        if path.name == "__init__.py":
            targets -= {t for t in targets if t.parent == path.parent}
    state: dict[Path, int] = {}
    circles: list[str] = []

    def visit(node: Path, trail: list[Path]) -> None:
        state[node] = 1
        for target in graph.get(node, ()):
            if state.get(target) == 1:
                circles.append(" -> ".join(rel({p})[0] for p in [*trail, node, target]))
            elif target not in state:
                visit(target, [*trail, node])
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node, [])
    assert circles == []


def test_no_module_is_much_over_400_lines() -> None:
    long = {
        rel({p})[0]: n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > 440
    }
    assert long == {}
