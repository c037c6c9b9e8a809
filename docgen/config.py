"""One immutable configuration, built once from flags, the environment and ``[tool.docgen]``.

Precedence is flag > environment > pyproject.toml > default. The result is passed down explicitly;
no module keeps configuration in global state. An API key is never stored here: an
:class:`Endpoint` names the environment variable that holds it, and the key is read only when a
client is created.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from docgen.errors import ConfigError
from docgen.resources import toml_error

DEFAULT_MODEL = "gpt-4o-mini"
KEYLESS_PLACEHOLDER = "docgen-no-key"  # the openai package refuses an empty key

# name -> (base URL, default model, api key variable)
PRESETS: dict[str, tuple[str, str, str | None]] = {
    "openai": ("https://api.openai.com/v1", "gpt-4o-mini", "OPENAI_API_KEY"),
    "g4f": ("http://localhost:1337/v1", "gpt-4o-mini", None),
    "ollama": ("http://localhost:11434/v1", "llama3.1", None),
    "vllm": ("http://localhost:8000/v1", "default", None),
    "lmstudio": ("http://localhost:1234/v1", "local-model", None),
}


@dataclass(frozen=True, slots=True)
class Endpoint:
    """An OpenAI-compatible endpoint. ``api_key_env`` names the variable holding the key."""

    base_url: str
    model: str
    api_key_env: str | None = None
    name: str = ""

    def api_key(self, environ: Mapping[str, str] | None = None) -> str:
        """The key from the environment, or a placeholder for keyless local servers."""
        env = os.environ if environ is None else environ
        if self.api_key_env and env.get(self.api_key_env):
            return env[self.api_key_env]
        return KEYLESS_PLACEHOLDER

    @property
    def label(self) -> str:
        return self.name or self.base_url


@dataclass(frozen=True, slots=True)
class Config:
    paths: tuple[str, ...] = ()
    out: str = "docs"
    lang: str = "ru"
    templates: str | None = None
    exclude: tuple[str, ...] = ()
    strict: bool = False
    verbosity: int = 0  # -1 quiet, 0 normal, 1 verbose
    endpoints: tuple[Endpoint, ...] = ()  # empty: the offline writer
    concurrency: int = 8
    timeout: float = 120.0  # seconds per request
    max_attempts: int = 5  # per request, first try included
    force: bool = False
    retry_fallbacks: bool = False  # ask again the units whose answers were unusable last time
    dead_after: int = 6  # failures in a row after which the last endpoint is given up
    max_cost: float | None = None  # USD a run may spend (needs prices)
    max_run_tokens: int | None = None  # tokens (prompt + completion) a run may spend
    price_in: float = 0.0  # USD per million prompt tokens
    price_out: float = 0.0  # USD per million completion tokens
    changed_since: str | None = None
    output_format: str = "text"  # "text" or "json"
    mkdocs_yml: str = "mkdocs.yml"
    cache_dir: str = ".docgen"
    jobs: int = 0  # extraction processes; 0 = one per core
    parse_timeout: float = 60.0  # seconds the parser may spend on one file
    parse_memory: int = 3072  # MiB a parser worker may allocate (0: no limit)
    page_budget: int = 200  # KB of Markdown a page may have before it is shortened (0: none)
    quality_page: bool = True  # the site's "documentation quality" page
    llms_txt: bool = True  # llms.txt and llms-full.txt for coding agents
    diagrams: str = "mermaid"  # control-flow diagrams: "mermaid" flowcharts or "text" trees
    mermaid_js: str = ""  # a local mermaid.min.js copied into the site (offline readers)
    gates: tuple[tuple[str, float], ...] = ()  # docgen check's quality thresholds, percent
    site_name: str = ""

    @property
    def offline(self) -> bool:
        return not self.endpoints

    @property
    def model_id(self) -> str:
        """The models a cached answer may come from (the endpoints, in order)."""
        return ",".join(endpoint.model for endpoint in self.endpoints)

    def with_(self, **changes: Any) -> Config:
        return replace(self, **changes)


# [tool.docgen] keys and the types their values must have
_KEYS: dict[str, tuple[type, ...]] = {
    "out": (str,),
    "lang": (str,),
    "templates": (str,),
    "exclude": (str, list),
    "strict": (bool,),
    "concurrency": (int,),
    "timeout": (int, float),
    "max_attempts": (int,),
    "dead_after": (int,),
    "max_cost": (int, float),
    "max_tokens": (int,),
    "price_in": (int, float),
    "price_out": (int, float),
    "base_url": (str,),
    "model": (str,),
    "api_key_env": (str,),
    "endpoint": (str,),
    "endpoints": (list,),
    "cache_dir": (str,),
    "mkdocs_yml": (str,),
    "site_name": (str,),
    "jobs": (int,),
    "parse_timeout": (int, float),
    "parse_memory": (int,),
    "page_budget": (int,),
    "quality_page": (bool,),
    "llms_txt": (bool,),
    "diagrams": (str,),
    "mermaid_js": (str,),
    "min_coverage": (int, float),
    "min_complete": (int, float),
    "min_examples": (int, float),
    "min_names": (int, float),
    "max_fallback": (int, float),
}
GATE_KEYS = ("min_coverage", "min_complete", "min_examples", "min_names", "max_fallback")
_TYPE_WORDS = {str: "a string", list: "a list", bool: "true or false", int: "an integer",
               float: "a number"}  # fmt: skip


def read_pyproject(start: Path) -> dict[str, Any]:
    """``[tool.docgen]`` of the nearest pyproject.toml at or above ``start`` ({} if none), each
    key known and each value of its type, else a :class:`ConfigError` naming the file and line."""
    start = start.resolve()
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return _section(candidate)
    return {}


def _section(path: Path) -> dict[str, Any]:
    try:
        text = path.read_bytes().decode("utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        reason = f"cannot read: {getattr(exc, 'strerror', None) or exc}"
        raise ConfigError(reason, path=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        reason, line = toml_error(path, exc)
        raise ConfigError(reason, path=str(path), line=line) from None
    section = data.get("tool", {}).get("docgen", {})
    if not isinstance(section, dict):
        line = _line(text, "docgen")
        raise ConfigError("[tool.docgen] must be a table", path=str(path), line=line)
    for key, value in section.items():
        kinds = _KEYS.get(key)
        if kinds is None:
            known = ", ".join(sorted(_KEYS))
            reason = f"[tool.docgen]: unknown key {key!r} (known: {known})"
            raise ConfigError(reason, path=str(path), line=_line(text, key))
        if not isinstance(value, kinds) or (type(value) is bool and bool not in kinds):
            words = " or ".join(_TYPE_WORDS[k] for k in kinds)
            reason = f"[tool.docgen] {key} must be {words}, not {value!r}"
            raise ConfigError(reason, path=str(path), line=_line(text, key))
    return section


def _line(text: str, key: str) -> int | None:
    """The line of the first ``key = ...`` in ``text`` (for a message; None when not found)."""
    found = re.search(rf"^[ \t]*[\"']?{re.escape(key)}[\"']?[ \t]*=", text, re.MULTILINE)
    return text.count("\n", 0, found.start()) + 1 if found else None


def _pick(flag: Any, env: str | None, pyproject: Any, default: Any) -> Any:
    for value in (flag, env, pyproject):
        if value is not None and value != "":
            return value
    return default


def resolve_endpoints(
    *,
    preset: str | None,
    base_url: str | None,
    model: str | None,
    api_key_env: str | None,
    environ: Mapping[str, str],
    pyproject: Mapping[str, Any],
) -> tuple[Endpoint, ...]:
    """The endpoints to use, in order; () means the offline writer.

    One endpoint comes from flags/environment/pyproject keys ``base_url``, ``model`` and
    ``api_key_env``; more may follow from ``[[tool.docgen.endpoints]]`` tables, tried in order when
    the ones before keep failing.
    """
    preset_name = _pick(preset, None, pyproject.get("endpoint"), None)
    p_url = p_model = p_key = None
    if preset_name is not None:
        if preset_name not in PRESETS:
            names = ", ".join(sorted(PRESETS))
            raise ConfigError(f"unknown endpoint preset {preset_name!r}; choose one of {names}")
        p_url, p_model, p_key = PRESETS[preset_name]
    key_env = _pick(api_key_env, None, pyproject.get("api_key_env"), p_key or "OPENAI_API_KEY")
    url = _pick(base_url, environ.get("OPENAI_BASE_URL"), pyproject.get("base_url"), p_url)
    chosen_model = _pick(model, environ.get("DOCGEN_MODEL"), pyproject.get("model"), p_model)
    has_key = bool(environ.get(key_env))

    endpoints: list[Endpoint] = []
    if url or has_key or preset_name:
        endpoints.append(
            Endpoint(
                base_url=(url or PRESETS["openai"][0]).rstrip("/"),
                model=chosen_model or DEFAULT_MODEL,
                api_key_env=key_env,
                name=preset_name or "",
            )
        )
    extra = pyproject.get("endpoints", [])
    if not isinstance(extra, list):
        raise ConfigError("[tool.docgen] endpoints must be an array of tables")
    for i, table in enumerate(extra):
        if not isinstance(table, dict) or ("base_url" not in table and "preset" not in table):
            raise ConfigError(f"[tool.docgen] endpoints[{i}] needs base_url or preset")
        t_url, t_model, t_key = PRESETS.get(table.get("preset", ""), (None, None, None))
        endpoints.append(
            Endpoint(
                base_url=str(table.get("base_url", t_url)).rstrip("/"),
                model=str(table.get("model", t_model or chosen_model or DEFAULT_MODEL)),
                api_key_env=table.get("api_key_env", t_key),
                name=str(table.get("name", table.get("preset", ""))),
            )
        )
    return tuple(endpoints)


def _gates(flags: Mapping[str, Any], pyproject: Mapping[str, Any]) -> tuple[tuple[str, float], ...]:
    out = []
    for key in GATE_KEYS:
        value = _pick(flags.get(key), None, pyproject.get(key), None)
        if value is None:
            continue
        if not 0 <= float(value) <= 100:
            raise ConfigError(f"{key.replace('_', '-')} is a percentage: 0 to 100, not {value}")
        out.append((key, float(value)))
    return tuple(out)


def _as_tuple(value: Any, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(f"[tool.docgen] {key} must be a string or a list of strings")


def build_config(
    flags: Mapping[str, Any],
    *,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Config:
    """Merge parsed flags (None = not given), the environment and ``[tool.docgen]``."""
    env = os.environ if environ is None else environ
    pyproject = read_pyproject(cwd or Path.cwd())
    if "api_key" in flags:
        raise ConfigError("an API key is never accepted on the command line; use --api-key-env")

    lang = _pick(flags.get("lang"), None, pyproject.get("lang"), "ru")
    if lang not in ("ru", "en"):
        raise ConfigError(f"unsupported language {lang!r}; choose ru or en")
    concurrency = int(_pick(flags.get("concurrency"), None, pyproject.get("concurrency"), 8))
    if concurrency < 1:
        raise ConfigError("--concurrency must be at least 1")
    timeout = float(_pick(flags.get("timeout"), None, pyproject.get("timeout"), 120.0))
    if timeout <= 0:
        raise ConfigError("--timeout must be positive")
    dead_after = int(_pick(flags.get("dead_after"), None, pyproject.get("dead_after"), 6))
    price_in = float(_pick(flags.get("price_in"), None, pyproject.get("price_in"), 0.0))
    price_out = float(_pick(flags.get("price_out"), None, pyproject.get("price_out"), 0.0))
    max_cost = _pick(flags.get("max_cost"), None, pyproject.get("max_cost"), None)
    max_run_tokens = _pick(flags.get("max_run_tokens"), None, pyproject.get("max_tokens"), None)
    if max_cost is not None and not (price_in or price_out):
        raise ConfigError("--max-cost needs --price-in and --price-out (USD per million tokens)")
    if (max_cost is not None and max_cost < 0) or (
        max_run_tokens is not None and max_run_tokens < 0
    ):
        raise ConfigError("--max-cost and --max-tokens must not be negative")
    if dead_after < 1:
        raise ConfigError("--dead-after must be at least 1")
    parse_timeout = float(
        _pick(flags.get("parse_timeout"), None, pyproject.get("parse_timeout"), 60.0)
    )
    if parse_timeout <= 0:
        raise ConfigError("--parse-timeout must be positive")
    parse_memory = int(_pick(flags.get("parse_memory"), None, pyproject.get("parse_memory"), 3072))
    if parse_memory < 0:
        raise ConfigError("--parse-memory must be 0 (no limit) or more")
    page_budget = int(_pick(flags.get("page_budget"), None, pyproject.get("page_budget"), 200))
    if page_budget < 0:
        raise ConfigError("--page-budget must be 0 (no limit) or more")
    diagrams = str(_pick(flags.get("diagrams"), None, pyproject.get("diagrams"), "mermaid"))
    if diagrams not in ("mermaid", "text"):
        raise ConfigError(f"diagrams must be 'mermaid' or 'text', not {diagrams!r}")
    mermaid_js = str(_pick(flags.get("mermaid_js"), None, pyproject.get("mermaid_js"), ""))
    if mermaid_js and not os.path.isfile(mermaid_js):
        raise ConfigError("Mermaid script not found", path=mermaid_js)
    return Config(
        paths=tuple(flags.get("paths") or ()),
        out=_pick(flags.get("out"), None, pyproject.get("out"), "docs"),
        lang=lang,
        templates=_pick(flags.get("templates"), None, pyproject.get("templates"), None),
        exclude=tuple(flags.get("exclude") or ()) + _as_tuple(pyproject.get("exclude"), "exclude"),
        strict=bool(flags.get("strict") or pyproject.get("strict", False)),
        verbosity=int(flags.get("verbosity") or 0),
        endpoints=resolve_endpoints(
            preset=flags.get("endpoint"),
            base_url=flags.get("base_url"),
            model=flags.get("model"),
            api_key_env=flags.get("api_key_env"),
            environ=env,
            pyproject=pyproject,
        ),
        concurrency=concurrency,
        timeout=timeout,
        max_attempts=int(_pick(flags.get("max_attempts"), None, pyproject.get("max_attempts"), 5)),
        force=bool(flags.get("force")),
        retry_fallbacks=bool(flags.get("retry_fallbacks")),
        dead_after=dead_after,
        max_cost=None if max_cost is None else float(max_cost),
        max_run_tokens=None if max_run_tokens is None else int(max_run_tokens),
        price_in=price_in,
        price_out=price_out,
        changed_since=flags.get("changed_since"),
        output_format=flags.get("output_format") or "text",
        mkdocs_yml=_pick(flags.get("mkdocs_yml"), None, pyproject.get("mkdocs_yml"), "mkdocs.yml"),
        cache_dir=_pick(flags.get("cache_dir"), None, pyproject.get("cache_dir"), ".docgen"),
        jobs=int(_pick(flags.get("jobs"), None, pyproject.get("jobs"), 0)),
        parse_timeout=parse_timeout,
        parse_memory=parse_memory,
        page_budget=page_budget,
        quality_page=bool(
            _pick(flags.get("quality_page"), None, pyproject.get("quality_page"), True)
        ),
        llms_txt=bool(_pick(flags.get("llms_txt"), None, pyproject.get("llms_txt"), True)),
        diagrams=diagrams,
        mermaid_js=mermaid_js,
        gates=_gates(flags, pyproject),
        site_name=_pick(flags.get("site_name"), None, pyproject.get("site_name"), ""),
    )
