"""Configuration precedence: flag > environment > pyproject > default; keys never stored."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from docgen.config import KEYLESS_PLACEHOLDER, PRESETS, build_config
from docgen.errors import ConfigError


def write_pyproject(tmp_path: Path, body: str) -> None:
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent(body), encoding="utf-8")


def test_defaults_are_offline(tmp_path: Path) -> None:
    config = build_config({"paths": ["src"]}, environ={}, cwd=tmp_path)
    assert config.offline
    assert config.out == "docs"
    assert config.lang == "ru"
    assert config.concurrency == 8


def test_flag_beats_environment_beats_pyproject(tmp_path: Path) -> None:
    write_pyproject(
        tmp_path,
        """
        [tool.docgen]
        base_url = "http://pyproject/v1"
        model = "from-pyproject"
        out = "site-docs"
        """,
    )
    env = {"OPENAI_BASE_URL": "http://env/v1", "DOCGEN_MODEL": "from-env"}
    config = build_config({}, environ=env, cwd=tmp_path)
    assert config.endpoints[0].base_url == "http://env/v1"
    assert config.endpoints[0].model == "from-env"
    assert config.out == "site-docs"
    flags = {"base_url": "http://flag/v1/", "model": "from-flag", "out": "o"}
    config = build_config(flags, environ=env, cwd=tmp_path)
    assert config.endpoints[0].base_url == "http://flag/v1"
    assert config.endpoints[0].model == "from-flag"
    assert config.out == "o"
    config = build_config({}, environ={}, cwd=tmp_path)
    assert config.endpoints[0].base_url == "http://pyproject/v1"
    assert config.endpoints[0].model == "from-pyproject"


def test_key_alone_selects_openai_and_is_never_stored(tmp_path: Path) -> None:
    secret = "sk-test-secret-value"
    config = build_config({}, environ={"OPENAI_API_KEY": secret}, cwd=tmp_path)
    assert config.endpoints[0].base_url == PRESETS["openai"][0]
    assert secret not in repr(config)
    assert config.endpoints[0].api_key({"OPENAI_API_KEY": secret}) == secret


def test_keyless_local_server_gets_a_placeholder(tmp_path: Path) -> None:
    config = build_config({"endpoint": "g4f"}, environ={}, cwd=tmp_path)
    endpoint = config.endpoints[0]
    assert endpoint.base_url == "http://localhost:1337/v1"
    assert endpoint.api_key({}) == KEYLESS_PLACEHOLDER


def test_custom_key_variable(tmp_path: Path) -> None:
    config = build_config(
        {"base_url": "http://x/v1", "api_key_env": "MY_KEY"}, environ={"MY_KEY": "k"}, cwd=tmp_path
    )
    assert config.endpoints[0].api_key_env == "MY_KEY"
    assert config.endpoints[0].api_key({"MY_KEY": "k"}) == "k"


def test_several_endpoints_in_order(tmp_path: Path) -> None:
    write_pyproject(
        tmp_path,
        """
        [tool.docgen]
        base_url = "http://first/v1"
        [[tool.docgen.endpoints]]
        preset = "ollama"
        [[tool.docgen.endpoints]]
        base_url = "http://third/v1"
        model = "m3"
        """,
    )
    config = build_config({}, environ={}, cwd=tmp_path)
    assert [e.base_url for e in config.endpoints] == [
        "http://first/v1",
        "http://localhost:11434/v1",
        "http://third/v1",
    ]
    assert config.endpoints[2].model == "m3"


@pytest.mark.parametrize(
    ("flags", "body", "message"),
    [
        ({"lang": "de"}, "", "unsupported language"),
        ({"concurrency": 0}, "", "--concurrency"),
        ({"endpoint": "nope"}, "", "unknown endpoint preset"),
        ({"api_key": "sk"}, "", "never accepted on the command line"),
        ({}, "[tool.docgen]\nfoo = 1\n", r"pyproject.toml:2: \[tool.docgen\]: unknown key 'foo'"),
        ({}, "[tool.docgen\n", r"pyproject.toml:1: invalid TOML: Expected"),
        (
            {},
            '[tool.docgen]\nlang = "ru"\nconcurrency = "x"\n',
            r"pyproject.toml:3: \[tool.docgen\] concurrency must be an integer, not 'x'",
        ),
        ({}, "[tool.docgen]\nstrict = 1\n", r":2: \[tool.docgen\] strict must be true or false"),
        ({}, "[tool.docgen]\njobs = true\n", r":2: \[tool.docgen\] jobs must be an integer"),
        ({}, "[tool.docgen]\ntimeout = [1]\n", r"timeout must be an integer or a number"),
        ({}, "[tool]\ndocgen = 3\n", r"pyproject.toml:2: \[tool.docgen\] must be a table"),
    ],
)
def test_bad_configuration_is_one_clear_error(
    tmp_path: Path, flags: dict, body: str, message: str
) -> None:
    if body:
        (tmp_path / "pyproject.toml").write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        build_config(flags, environ={}, cwd=tmp_path)


def test_an_unreadable_pyproject_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_bytes(b"[tool.docgen]\nout = '\xff'\n")
    with pytest.raises(ConfigError) as caught:
        build_config({}, environ={}, cwd=tmp_path)
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'pyproject.toml'}: cannot read: ")
    assert "\n" not in message


def test_excludes_from_flags_and_pyproject_add_up(tmp_path: Path) -> None:
    write_pyproject(tmp_path, '[tool.docgen]\nexclude = ["gen/*"]\n')
    config = build_config({"exclude": ["tests/*"]}, environ={}, cwd=tmp_path)
    assert config.exclude == ("tests/*", "gen/*")
