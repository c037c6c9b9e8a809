"""Model text is data: nothing it says may add HTML, structure, links or file includes."""

from __future__ import annotations

from docgen.write.chat.sanitize import sanitize_block, sanitize_code, sanitize_inline


def test_html_and_script_are_escaped():
    out = sanitize_inline('Делает <script>alert(1)</script> и <img src=x onerror="x()">')
    assert "<" not in out and ">" not in out
    assert "&lt;script&gt;" in out


def test_code_spans_are_kept_verbatim():
    out = sanitize_inline("Вызывает `a < b` и `{x}`, потом <b>")
    assert "`a < b`" in out and "`{x}`" in out
    assert "&lt;b&gt;" in out


def test_headings_and_setext_lines_cannot_open_sections():
    out = sanitize_block(
        "Текст\n# Заголовок\n  ## второй\nещё\n=====\n---\n!!! note\n{: onclick=x }"
    )
    lines = out.splitlines()
    assert lines[1] == "\\# Заголовок"
    assert lines[2].lstrip().startswith("\\##")
    assert lines[4].startswith("\\=")
    assert lines[5].startswith("\\-")
    assert lines[6].startswith("\\!!!")
    assert "\\{: onclick=x \\}" in lines[7]


def test_inline_fields_lose_newlines():
    assert sanitize_inline("одна\n# строка\n\nвторая") == "одна # строка вторая"


def test_unsafe_links_and_images_are_reduced_to_text():
    out = sanitize_inline(
        "[жми](javascript:alert(1)) [сайт](https://example.org) ![x](http://t/p.png)"
    )
    assert "javascript" not in out
    assert "[сайт](https://example.org)" in out
    assert "http://t/p.png" not in out


def test_block_fences_are_balanced_and_contents_kept():
    out = sanitize_block("Пример:\n```python\nif a < b:\n    pass")
    assert out.count("```") == 2
    assert "if a < b:" in out  # code inside a fence is not escaped
    assert out.endswith("```")


def test_fence_info_string_cannot_carry_attributes():
    out = sanitize_block('```python {onclick="x"}\nprint(1)\n```')
    assert out.splitlines()[0] == "```python"


def test_code_cannot_close_the_template_fence():
    out = sanitize_code("print(1)\n```\n<script>x</script>\n~~~")
    assert "```" not in out and "~~~" not in out
    assert "<script>" in out  # code is shown as code, so it stays literal


def test_snippet_includes_are_broken_everywhere():
    assert "--8<--" not in sanitize_code('--8<-- "/etc/passwd"')
    assert "--8<--" not in sanitize_block('```\n--8<-- "/etc/passwd"\n```')
    assert "--8<--" not in sanitize_inline('--8<-- "/etc/passwd"')
    assert "--8<--" not in sanitize_inline('`--8<-- "/etc/passwd"`')


def test_control_characters_and_non_strings():
    assert sanitize_inline("a\x00b\u202ec") == "abc"
    assert sanitize_inline(None) == ""
    assert sanitize_inline(12) == "12"


def test_long_text_is_cut():
    assert len(sanitize_inline("я" * 5000, limit=100)) == 100
