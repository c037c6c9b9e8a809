"""Golden snapshots: the fixture modules rendered with the offline writer, in Russian and English.

Any change to the writer, the catalog or the templates shows up as a diff against the stored
pages in ``tests/golden/``. After checking the new output by eye, regenerate them with

    python tests/test_golden.py --update
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if __name__ == "__main__":  # run as a script: make the checkout importable
    sys.path.insert(0, str(ROOT))

from docgen.extract import extract_source  # noqa: E402
from docgen.extract.graph import ProjectGraph  # noqa: E402
from docgen.model import ExtractResult, Listed, ModuleInfo, PageKind, SourceFile  # noqa: E402
from docgen.render import Renderer  # noqa: E402
from docgen.render.crosslink import linked  # noqa: E402
from docgen.render.links import page_symbols  # noqa: E402
from docgen.site import page_path  # noqa: E402
from docgen.write.offline import OfflineWriter  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
GOLDEN = ROOT / "tests" / "golden"
MODULES = ("poem_client", "shapes", "chat_script")
LANGS = ("ru", "en")
KINDS = ("reference", "usage")


def load(name: str) -> ModuleInfo:
    source = (FIXTURES / f"{name}.py").read_text(encoding="utf-8")
    return extract_source(source, module=f"fixtures.{name}", path=f"fixtures/{name}.py")


def render_all() -> dict[str, str]:
    """file name under tests/golden -> rendered Markdown, through the run's own write and render
    steps (the offline writer's ``in_worker`` task, then ``Renderer.pages``)."""
    out: dict[str, str] = {}
    modules = [load(name) for name in MODULES]
    for lang in LANGS:
        writer = OfflineWriter(lang=lang)
        renderer = Renderer(lang=lang)
        listed = []
        rendered = []
        for mod in modules:
            file = SourceFile(mod.path, mod.path, mod.name)
            written = writer(ExtractResult(file, mod))
            rendered.append(renderer.pages(written, page_path))
        # linked as a run links them, once the project graph is known
        graph = ProjectGraph(
            page_symbols(mod, pages) for mod, pages in zip(modules, rendered, strict=True)
        )
        for pages_of, name in zip(rendered, MODULES, strict=True):
            pages = {p.kind: linked(p, graph, renderer) for p in pages_of}
            ref, use = pages[PageKind.REFERENCE], pages[PageKind.USAGE]
            out[f"{name}.reference.{lang}.md"] = ref.text
            out[f"{name}.usage.{lang}.md"] = use.text
            listed.append(Listed(ref.module, ref.title, ref.rel_path, use.rel_path))
        out[f"home.{lang}.md"] = renderer.home(listed, site_name="Fixtures")
    return out


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    return render_all()


@pytest.mark.parametrize(
    "name",
    [f"{m}.{k}.{lang}.md" for m in MODULES for k in KINDS for lang in LANGS]
    + [f"home.{lang}.md" for lang in LANGS],
)
def test_matches_snapshot(rendered, name):
    stored = GOLDEN / name
    assert stored.is_file(), f"{stored} missing: run python tests/test_golden.py --update"
    assert rendered[name] == stored.read_text(encoding="utf-8"), (
        f"{name} differs from its snapshot; check the output, then run "
        "python tests/test_golden.py --update"
    )


def test_no_stale_snapshots():
    expected = set(render_all())
    assert {p.name for p in GOLDEN.glob("*.md")} == expected


def update() -> None:
    GOLDEN.mkdir(exist_ok=True)
    pages = render_all()
    for stale in GOLDEN.glob("*.md"):
        if stale.name not in pages:
            stale.unlink()
    for name, text in pages.items():
        (GOLDEN / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(pages)} snapshots to {GOLDEN}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python tests/test_golden.py --update")
    update()
