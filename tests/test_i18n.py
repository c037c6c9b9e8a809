"""The message catalog: loading, plurals, strictness and user overrides."""

from __future__ import annotations

import string
import textwrap

import pytest

from docgen.i18n import CatalogError, load_catalog, plural_form


@pytest.mark.parametrize(
    ("n", "form"),
    [
        (0, "many"),
        (1, "one"),
        (2, "few"),
        (4, "few"),
        (5, "many"),
        (11, "many"),
        (12, "many"),
        (14, "many"),
        (21, "one"),
        (22, "few"),
        (25, "many"),
        (101, "one"),
        (111, "many"),
    ],
)
def test_russian_plural_forms(n, form):
    assert plural_form("ru", n) == form


def test_plural_agrees_with_number():
    cat = load_catalog("ru")
    assert cat.plural(1, "count.params") == "1 параметр"
    assert cat.plural(2, "count.params") == "2 параметра"
    assert cat.plural(5, "count.params") == "5 параметров"
    assert cat.plural(21, "count.params") == "21 параметр"
    en = load_catalog("en")
    assert en.plural(1, "count.params") == "1 parameter"
    assert en.plural(3, "count.params") == "3 parameters"


def test_t_fills_placeholders():
    cat = load_catalog("ru")
    assert cat.t("ref.title", name="`a.b`") == "Модуль `a.b`"


def test_missing_key_and_placeholder_raise():
    cat = load_catalog("ru")
    with pytest.raises(CatalogError, match=r"no\.such\.key"):
        cat.t("no.such.key")
    with pytest.raises(CatalogError, match="name"):
        cat.t("ref.title")
    with pytest.raises(CatalogError, match="plural"):
        cat.t("count.params")
    with pytest.raises(CatalogError, match="no plural"):
        cat.plural(2, "ref.title", name="x")


def test_unsupported_language():
    with pytest.raises(CatalogError, match="unsupported"):
        load_catalog("de")


def placeholders(catalog, key: str) -> set[str]:
    """The placeholder names a message uses (all forms, for plural entries)."""
    entry = catalog.raw(key)
    texts = entry.values() if isinstance(entry, dict) else [entry]
    return {
        name.split(".")[0].split("[")[0]
        for text in texts
        for _, name, _, _ in string.Formatter().parse(text)
        if name
    }


def test_languages_have_the_same_keys_and_placeholders():
    ru, en = load_catalog("ru"), load_catalog("en")
    assert set(ru.messages) == set(en.messages)
    for key in ru.messages:
        assert placeholders(ru, key) == placeholders(en, key), key


def test_user_catalog_overrides_keys(tmp_path):
    (tmp_path / "i18n").mkdir()
    (tmp_path / "i18n" / "ru.toml").write_text(
        textwrap.dedent(
            """
            [ref]
            overview = "Коротко"
            """
        ),
        encoding="utf-8",
    )
    cat = load_catalog("ru", [tmp_path])
    assert cat.t("ref.overview") == "Коротко"
    assert cat.t("ref.details") == "Подробнее"  # untouched keys stay


def test_invalid_user_catalog_is_reported(tmp_path):
    (tmp_path / "i18n").mkdir()
    (tmp_path / "i18n" / "ru.toml").write_text("[ref\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="invalid TOML"):
        load_catalog("ru", [tmp_path])
