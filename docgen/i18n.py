"""The message catalog: every human-language word docgen prints comes from here.

Russian (and English) text lives only in ``templates/i18n/<lang>.toml``. Python code asks for a
message by key (``catalog.t("param.optional", default="`None`")``) and the templates call the same
catalog as ``t(...)``. A user template directory may carry its own ``i18n/<lang>.toml``; its keys
override the bundled ones. Russian plural forms are picked by :meth:`Catalog.plural` from entries
with ``one`` / ``few`` / ``many`` forms (the Russian forms for 1, 2 and 5 of a noun).

A missing key or placeholder raises :class:`CatalogError` at once: a half-translated page is a bug,
not something to paper over.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docgen.errors import CatalogError
from docgen.resources import templates_dir, toml_error

__all__ = ["Catalog", "CatalogError", "load_catalog", "plural_form"]

LANGUAGES = ("ru", "en")


def plural_form(lang: str, n: int) -> str:
    """The CLDR plural category (``one``, ``few`` or ``many``) of integer ``n`` in ``lang``."""
    n = abs(n)
    if lang == "ru":
        if n % 10 == 1 and n % 100 != 11:
            return "one"
        if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
            return "few"
        return "many"
    return "one" if n == 1 else "many"


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": "x"}}`` -> ``{"a.b": "x"}``; a table holding ``one`` stays a plural entry."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict) and "one" not in value:
            out.update(_flatten(value, f"{full}."))
        else:
            out[full] = value
    return out


@dataclass(frozen=True, slots=True)
class Catalog:
    """The messages of one language. Immutable; build it with :func:`load_catalog`."""

    lang: str
    messages: Mapping[str, Any]

    def raw(self, key: str) -> Any:
        try:
            return self.messages[key]
        except KeyError:
            raise CatalogError(f"message {key!r} is missing from the {self.lang} catalog") from None

    def t(self, key: str, /, **kw: Any) -> str:
        """The message ``key`` with ``{placeholders}`` filled from ``kw``."""
        text = self.messages.get(key)
        if text is None:
            text = self.raw(key)  # raises the missing-key error
        if not isinstance(text, str):
            raise CatalogError(f"message {key!r} is a plural entry; use plural(n, key)")
        return self._format(key, text, kw)

    def plural(self, n: int, key: str, /, **kw: Any) -> str:
        """The plural form of ``key`` that agrees with ``n``; ``{n}`` is available to the text."""
        entry = self.raw(key)
        if not isinstance(entry, dict):
            raise CatalogError(f"message {key!r} has no plural forms")
        form = plural_form(self.lang, n)
        text = entry.get(form, entry.get("many"))
        if not isinstance(text, str):
            raise CatalogError(f"message {key!r} lacks the {form!r} form")
        return self._format(key, text, {"n": n, **kw})

    def _format(self, key: str, text: str, kw: Mapping[str, Any]) -> str:
        if "{" not in text and "}" not in text:  # nothing to fill: the text as it is
            return text
        try:
            return text.format_map(kw)  # a missing placeholder raises KeyError
        except KeyError as err:
            raise CatalogError(f"message {key!r} needs the placeholder {err.args[0]!r}") from None
        except (ValueError, IndexError) as err:
            raise CatalogError(f"message {key!r} is not a valid format string: {err}") from None


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as err:
        reason, line = toml_error(path, err)
        raise CatalogError(reason, path=str(path), line=line) from None
    except OSError as err:
        raise CatalogError(f"cannot read: {err.strerror or err}", path=str(path)) from None
    messages = _flatten(data)
    for key, value in messages.items():
        forms = value.values() if isinstance(value, dict) else [value]
        if not all(isinstance(form, str) for form in forms):
            raise CatalogError(f"message {key!r} must be text", path=str(path))
    return messages


def load_catalog(lang: str, extra_dirs: Iterable[str | Path] = ()) -> Catalog:
    """The catalog for ``lang``: the bundled messages, then each ``<dir>/i18n/<lang>.toml`` of
    ``extra_dirs`` overriding keys (earlier directories win, as on a template search path)."""
    if lang not in LANGUAGES:
        raise CatalogError(f"unsupported language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    messages = _read(templates_dir() / "i18n" / f"{lang}.toml")
    for extra in reversed(list(extra_dirs)):
        path = Path(extra) / "i18n" / f"{lang}.toml"
        if path.is_file():
            messages.update(_read(path))
    return Catalog(lang, messages)
