"""The ``docgen`` command line: argument parsing only, then one call into the pipeline.

``docgen PATH...`` documents code; ``docgen build``, ``check``, ``estimate``, ``batch`` and
``docstrings`` are subcommands. Errors a user can fix (a missing path, a bad flag, a bad config)
are one line on stderr and exit code 1, never a traceback.
"""

from __future__ import annotations

import argparse
import atexit
import json
import logging
import os
import signal
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from docgen import __version__
from docgen.config import PRESETS, Config, build_config
from docgen.errors import ConfigError, DocgenError
from docgen.ui.report import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK

SUBCOMMANDS = ("build", "check", "estimate", "batch", "docstrings")

EXAMPLES = """\
examples:
  docgen src/                           document src/ offline into docs/ and mkdocs.yml
  docgen src/ --base-url http://localhost:1337/v1 --model gpt-4o-mini
  docgen src/ --endpoint ollama --model llama3.1 --concurrency 4
  OPENAI_API_KEY=... docgen src/ --endpoint openai
  docgen src/ --changed-since origin/main --format json > report.json
  docgen check src/                     exit 1 when a page is stale (for CI)
  docgen estimate src/ --price-in 0.15 --price-out 0.60
  docgen build                          mkdocs build --strict on the generated site
  docgen batch export src/ -o requests.jsonl --endpoint openai    (then import, or submit/collect)
  docgen docstrings src/ --apply        write the composed docstrings into the code

exit codes: 0 ok, 1 error / nothing documented / stale (check), 2 some units failed,
130 interrupted. A folder literally named build, check or estimate: write ./build.
"""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line and exit code 1."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_ERROR, f"docgen: error: {message} (see docgen --help)\n")


def _common(parser: argparse.ArgumentParser, *, paths: str = "+") -> None:
    parser.add_argument("paths", nargs=paths, metavar="PATH", help="Python files or folders")
    parser.add_argument("--out", metavar="DIR", help="output folder of the pages (default: docs)")
    parser.add_argument("--lang", choices=("ru", "en"), help="language of the pages (default: ru)")
    parser.add_argument("--templates", metavar="DIR", help="your template folder, searched first")
    parser.add_argument(
        "--exclude", metavar="GLOB", action="append", default=[], help="skip paths (repeatable)"
    )
    parser.add_argument("--jobs", type=int, metavar="N", help="parser processes (default: cores)")
    parser.add_argument(
        "--parse-timeout", type=float, metavar="SECONDS", help="limit per file (default: 60)"
    )
    parser.add_argument(
        "--parse-memory", type=int, metavar="MIB", help="limit per parser process (3072; 0: none)"
    )
    parser.add_argument(
        "--page-budget", type=int, metavar="KB", help="a bigger page is shortened (200; 0: none)"
    )
    parser.add_argument("--mkdocs-yml", metavar="PATH", help="MkDocs config (default: mkdocs.yml)")
    parser.add_argument("--cache-dir", metavar="DIR", help="cache folder (default: .docgen)")
    endpoint = parser.add_argument_group("model endpoint (none configured: the offline writer)")
    endpoint.add_argument("--base-url", metavar="URL", help="OpenAI-compatible base URL")
    endpoint.add_argument("--model", metavar="NAME", help="model name (env DOCGEN_MODEL)")
    endpoint.add_argument(
        "--api-key-env", metavar="VAR", help="variable holding the API key (default OPENAI_API_KEY)"
    )
    endpoint.add_argument("--endpoint", choices=sorted(PRESETS), help="a preset endpoint")
    endpoint.add_argument("--offline", action="store_true", help="ignore any endpoint configured")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="docgen",
        description="Write Russian (or English) Markdown docs for Python code into an MkDocs site."
        " Other commands: docgen build | check | estimate (each has --help).",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"docgen {__version__}")
    _common(parser)
    parser.add_argument("--strict", action="store_true", help="exit 1 on any input problem")
    parser.add_argument("--force", action="store_true", help="ignore the cache: ask for every unit")
    parser.add_argument("--changed-since", metavar="REF", help="only files changed since a git ref")
    parser.add_argument(
        "--format", dest="output_format", choices=("text", "json"), help="json: report on stdout"
    )
    parser.add_argument("--concurrency", type=int, metavar="N", help="requests in flight (8)")
    parser.add_argument("--timeout", type=float, metavar="SECONDS", help="per request (120)")
    parser.add_argument("--max-attempts", type=int, metavar="N", help="tries per request (5)")
    parser.add_argument(
        "--retry-fallbacks",
        action="store_true",
        help="ask again the units whose answers were unusable last time (recorded, not re-asked)",
    )
    parser.add_argument(
        "--max-cost", type=float, metavar="USD", help="stop asking once the run spent this much"
    )
    parser.add_argument(
        "--max-tokens",
        dest="max_run_tokens",
        type=int,
        metavar="N",
        help="stop asking once the run used N tokens (prompt + completion)",
    )
    parser.add_argument("--price-in", type=float, metavar="USD", help="per million prompt tokens")
    parser.add_argument(
        "--price-out", type=float, metavar="USD", help="per million completion tokens"
    )
    parser.add_argument(
        "--dead-after",
        type=int,
        metavar="N",
        help="give the last endpoint up after N failures in a row, over 2 s at least (6)",
    )
    parser.add_argument("--site-name", metavar="NAME", help="site title in mkdocs.yml")
    parser.add_argument(
        "--no-quality-page",
        dest="quality_page",
        action="store_const",
        const=False,
        help="write no documentation quality page",
    )
    parser.add_argument(
        "--no-llms-txt",
        dest="llms_txt",
        action="store_const",
        const=False,
        help="write no llms.txt / llms-full.txt",
    )
    parser.add_argument(
        "--diagrams",
        choices=("mermaid", "text"),
        help="control-flow diagrams as Mermaid flowcharts (default) or text trees",
    )
    parser.add_argument(
        "--mermaid-js",
        metavar="FILE",
        help="copy this mermaid.min.js into the site, for readers without internet",
    )
    verbosity = parser.add_mutually_exclusive_group()
    verbosity.add_argument(
        "-q", "--quiet", dest="verbosity", action="store_const", const=-1, help="errors and summary"
    )
    verbosity.add_argument(
        "-v", "--verbose", dest="verbosity", action="store_const", const=1, help="more detail"
    )
    return parser


def _sub_parser(name: str) -> argparse.ArgumentParser:
    if name == "batch":
        parser = _Parser(
            prog="docgen batch",
            description="Document through a batch runner (OpenAI Batch API, vllm run-batch):"
            " export PATH... -o FILE | import FILE [PATH...] | submit [FILE] | collect [--wait S].",
        )
        parser.add_argument("action", choices=("export", "import", "submit", "collect"))
        parser.add_argument("-o", "--output", metavar="FILE", help="export: requests.jsonl")
        parser.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                            help="collect: poll until done, at most this long")  # fmt: skip
        parser.add_argument("--retry-fallbacks", action="store_true",
                            help="export: include units whose answers were unusable")  # fmt: skip
        parser.add_argument("--format", dest="output_format", choices=("text", "json"))
        _common(parser, paths="*")
        return parser
    if name == "docstrings":
        parser = _Parser(
            prog="docgen docstrings",
            description="Write the composed Google-style docstring into every public function,"
            " method, class and module that has none (the model's cached answer, else the"
            " offline writer's). Default --diff: print a unified diff, write nothing.",
        )
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--diff", dest="mode", action="store_const", const="diff")
        mode.add_argument("--apply", dest="mode", action="store_const", const="apply")
        mode.add_argument("--check", dest="mode", action="store_const", const="check",
                          help="exit 1 when a public unit has no docstring")  # fmt: skip
        parser.add_argument("--update", action="store_true",
                            help="also rewrite docstrings docgen wrote itself")  # fmt: skip
        _common(parser)
        return parser
    if name == "build":
        parser = _Parser(prog="docgen build", description="Run mkdocs build --strict on the site.")
        parser.add_argument("--mkdocs-yml", metavar="PATH", default=None)
        parser.add_argument(
            "--engine", choices=("mkdocs", "zensical"), default="mkdocs", help="mkdocs (default)"
        )
        parser.add_argument("--no-strict", action="store_true", help="build without --strict")
        return parser
    if name == "check":
        parser = _Parser(
            prog="docgen check",
            description="Exit 0 when every page is up to date with the code (and the pages'"
            " quality meets the thresholds given), 1 otherwise. Never calls a model.",
        )
        gates = parser.add_argument_group("quality thresholds (percent; [tool.docgen] too)")
        for key in ("min_coverage", "min_complete", "min_examples", "min_names", "max_fallback"):
            gates.add_argument("--" + key.replace("_", "-"), type=float, metavar="PCT")
        parser.add_argument("--format", dest="output_format", choices=("text", "json"))
    else:
        parser = _Parser(
            prog="docgen estimate",
            description="Units, cached vs to do, tokens and cost, without calling a model.",
        )
        parser.add_argument("--price-in", type=float, default=0.0, metavar="USD")
        parser.add_argument("--price-out", type=float, default=0.0, metavar="USD")
        parser.add_argument("--format", dest="output_format", choices=("text", "json"))
        parser.add_argument("--concurrency", type=int, metavar="N", help=argparse.SUPPRESS)
    _common(parser)
    return parser


def _flags(namespace: argparse.Namespace) -> dict[str, Any]:
    flags = {k: v for k, v in vars(namespace).items() if v is not None}
    if flags.pop("offline", False):
        flags["offline"] = True
    return flags


def _config(flags: dict[str, Any]) -> Config:
    config = build_config(flags)
    if flags.get("offline"):
        config = config.with_(endpoints=())
    return config


def _make_console(config: Config):
    from docgen.ui.console import Console

    return Console(verbosity=config.verbosity)


def _run_generate(flags: dict[str, Any]) -> int:
    from docgen import pipeline

    config = _config(flags)
    console = _make_console(config)
    report = pipeline.run(config, console=console)
    console.summary(report.summary())
    if config.output_format == "json":
        json.dump(report.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    return report.exit_code


def _run_build(flags: dict[str, Any]) -> int:
    from docgen import commands

    config = build_config({"mkdocs_yml": flags.get("mkdocs_yml")})
    return commands.run_build(
        config, strict=not flags.get("no_strict"), engine=flags.get("engine", "mkdocs")
    )


def _run_check(flags: dict[str, Any]) -> int:
    from docgen import commands

    config = _config(flags)
    return commands.run_check(config, console=_make_console(config))


def _run_estimate(flags: dict[str, Any]) -> int:
    from docgen import commands

    config = _config(flags)
    console = _make_console(config)
    return commands.run_estimate(
        config,
        console=console,
        price_in=flags.get("price_in", 0.0),
        price_out=flags.get("price_out", 0.0),
    )


def _run_batch(flags: dict[str, Any]) -> int:
    from docgen import batches

    action = flags.pop("action")
    paths = list(flags.get("paths") or ())
    file = flags.pop("output", None)
    if action in ("import", "submit") and paths:
        file = paths.pop(0)
    flags["paths"] = paths
    if action == "export" and not paths:
        raise ConfigError("docgen batch export needs at least one PATH")
    config = _config(flags)
    return batches.run_batch(
        action, config, console=_make_console(config), file=file, wait=flags.get("wait", 0.0)
    )


def _run_docstrings(flags: dict[str, Any]) -> int:
    from docgen import docstrings

    config = _config(flags)
    return docstrings.run(
        config,
        console=_make_console(config),
        mode=flags.get("mode") or "diff",
        update=bool(flags.get("update")),
    )


class _StderrHandler(logging.Handler):
    """Log records of the ``docgen`` loggers as ``docgen: message`` on the current stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(f"docgen: {self.format(record)}\n")
        except Exception:  # a logging handler must never raise
            self.handleError(record)


def _setup_logging(verbosity: int) -> None:
    logger = logging.getLogger("docgen")
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        logger.addHandler(_StderrHandler())
    logger.propagate = False
    logger.setLevel(logging.DEBUG if verbosity > 0 else logging.WARNING)


def _on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``docgen`` script; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args and args[0] in SUBCOMMANDS else "generate"
    if command != "generate":
        args = args[1:]
    parser = _parser() if command == "generate" else _sub_parser(command)
    try:
        namespace = parser.parse_args(args)
    except SystemExit as exc:  # --help, --version, usage errors
        return int(exc.code or 0)
    flags = _flags(namespace)
    _setup_logging(flags.get("verbosity", 0))
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        runner = {
            "generate": _run_generate,
            "build": _run_build,
            "check": _run_check,
            "estimate": _run_estimate,
            "batch": _run_batch,
            "docstrings": _run_docstrings,
        }[command]
        return runner(flags)
    except DocgenError as exc:
        print(f"docgen: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("docgen: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # stdout closed early (``docgen check --format json | head``)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR
    finally:
        signal.signal(signal.SIGTERM, previous)


def console_main() -> NoReturn:
    """The ``docgen`` script and ``python -m docgen``: :func:`main`, then a fast exit.

    By the time :func:`main` returns, every page, the manifest and the cache are written and
    closed. What the interpreter would still do is free every object of the run one by one:
    0.5 s after a 400-unit model run (``bench/bench_chat.py --process``), 0.17 s after the
    offline standard-library run. So the exit handlers run, the standard streams are flushed,
    and the process ends without that teardown.
    """
    code = main()
    atexit._run_exitfuncs()  # logging's and multiprocessing's handlers, and any user's
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # closed or broken: nothing more can reach it
            if stream is sys.stdout:
                code = code or EXIT_ERROR
    os._exit(code)


__all__ = ["EXIT_OK", "console_main", "main"]
