"""docgen's site against mkdocstrings-python's for the same package, measured in one run.

    pip install mkdocstrings-python       # only for this benchmark
    python bench/bench_site.py PACKAGE_DIR [PACKAGE_DIR...]

For each package folder (an importable package: its parent goes on mkdocstrings' search path),
in one run so both see the same machine load:

1. docgen: ``python -m docgen DIR`` (offline, cold cache) then ``mkdocs build``; wall time of
   each, the site's size, its page count and the median HTML page size;
2. mkdocstrings: one page per module holding ``::: module.name`` (griffe reads the source, as
   docgen does; nothing is imported), the Material theme, ``mkdocs build``; the same figures.

Target (issue 11): docgen's generate plus build no slower than mkdocstrings' build, and a site
no larger; the numbers are printed side by side.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "DOCGEN_MODEL"):
    ENV.pop(name, None)


def run(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=ENV, capture_output=True, text=True)
    took = time.perf_counter() - start
    if done.returncode not in (0, 2):
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return took


def site_figures(site: Path) -> dict[str, float]:
    pages = [p.stat().st_size for p in site.rglob("*.html")]
    total = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    return {
        "site_mb": total / 2**20,
        "pages": len(pages),
        "median_page_kb": statistics.median(pages) / 1024 if pages else 0.0,
    }


def modules_of(package: Path) -> list[str]:
    out = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if any(p.startswith("_") and p != "__init__" for p in parts[1:]) or "test" in parts:
            continue
        out.append(".".join(parts))
    return out


def docgen_site(package: Path, work: Path) -> dict[str, float]:
    work.mkdir()
    generate = run([sys.executable, "-m", "docgen", str(package), "-q"], work)
    build = run([sys.executable, "-m", "mkdocs", "build", "-q"], work)
    return {"generate_s": generate, "build_s": build, **site_figures(work / "site")}


def mkdocstrings_site(package: Path, work: Path) -> dict[str, float]:
    docs = work / "docs"
    docs.mkdir(parents=True)
    nav = []
    for module in modules_of(package):
        page = docs / (module.replace(".", "/") + ".md")
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(f"# {module}\n\n::: {module}\n", encoding="utf-8")
        nav.append({module: str(page.relative_to(docs))})
    (docs / "index.md").write_text(f"# {package.name}\n", encoding="utf-8")
    yml = [
        f"site_name: {package.name}",
        "theme:\n  name: material\n  features: [navigation.prune]",
        "plugins:",
        "  - search",
        "  - mkdocstrings:",
        "      handlers:",
        "        python:",
        f"          paths: [{package.parent}]",
        "          options: {show_source: true}",
    ]
    (work / "mkdocs.yml").write_text("\n".join(yml) + "\n", encoding="utf-8")
    build = run([sys.executable, "-m", "mkdocs", "build", "-q"], work)
    return {"generate_s": 0.0, "build_s": build, **site_figures(work / "site")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("packages", nargs="+", type=Path)
    args = parser.parse_args(argv)
    try:
        import mkdocstrings_handlers.python  # noqa: F401
    except ImportError:
        raise SystemExit(
            "pip install mkdocstrings-python first (for this benchmark only)"
        ) from None
    rows = []
    for package in args.packages:
        package = package.resolve()
        with tempfile.TemporaryDirectory() as tmp:
            ours = docgen_site(package, Path(tmp) / "docgen")
            theirs = mkdocstrings_site(package, Path(tmp) / "mkdocstrings")
        rows.append((package.name, ours, theirs))
    print("| package | tool | generate s | build s | total s | site MB | pages | median page KB |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, ours, theirs in rows:
        for tool, f in (("docgen", ours), ("mkdocstrings", theirs)):
            total = f["generate_s"] + f["build_s"]
            print(
                f"| {name} | {tool} | {f['generate_s']:.1f} | {f['build_s']:.1f} | {total:.1f}"
                f" | {f['site_mb']:.1f} | {f['pages']:.0f} | {f['median_page_kb']:.0f} |"
            )
        ratio_t = (ours["generate_s"] + ours["build_s"]) / max(theirs["build_s"], 1e-9)
        ratio_s = ours["site_mb"] / max(theirs["site_mb"], 1e-9)
        print(f"| {name} | docgen / mkdocstrings | | | {ratio_t:.2f}x | {ratio_s:.2f}x | | |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
