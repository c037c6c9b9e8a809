"""Docstring parsing in the Google, NumPy and Sphinx styles."""

from __future__ import annotations

from docgen.write.offline.docstrings import parse_docstring

GOOGLE = """Send a request.

    The body is sent as is.

    Args:
        url (str): Where to send it.
            Must be absolute.
        *args: Extra parts.
        timeout: Seconds to wait.

    Returns:
        bytes: The response body.

    Raises:
        ValueError: If ``url`` is relative.

    Attributes:
        sent (int): How many were sent.

    Examples:
        >>> send("http://x")
        b''
        >>> for part in parts:
        ...     send(part)
    """

NUMPY = """Add numbers.

    Parameters
    ----------
    a : int
        The first.
    b : int, optional
        The second.

    Yields
    ------
    int
        Partial sums.

    Raises
    ------
    TypeError
        If not numbers.
    """

SPHINX = """Read a file.

    Longer text.

    :param path: The file.
    :type path: str
    :param int size: How much.
    :returns: The text read.
    :rtype: str
    :raises OSError: When it cannot be read.
    """


def test_google():
    doc = parse_docstring(GOOGLE)
    assert doc.style == "google"
    assert doc.summary == "Send a request."
    assert doc.description == "The body is sent as is."
    assert [(p.name, p.type, p.description) for p in doc.params] == [
        ("url", "str", "Where to send it. Must be absolute."),
        ("*args", "", "Extra parts."),
        ("timeout", "", "Seconds to wait."),
    ]
    assert doc.param("args").description == "Extra parts."
    assert (doc.returns.type, doc.returns.description) == ("bytes", "The response body.")
    assert doc.raised("ValueError").description == "If ``url`` is relative."
    assert doc.attributes[0].name == "sent"
    assert doc.examples == ('send("http://x")', "for part in parts:\n    send(part)")


def test_numpy():
    doc = parse_docstring(NUMPY)
    assert doc.style == "numpy"
    assert [(p.name, p.type, p.description) for p in doc.params] == [
        ("a", "int", "The first."),
        ("b", "int", "The second."),  # "optional": the signature says it
    ]
    assert (doc.yields.type, doc.yields.description) == ("int", "Partial sums.")
    assert doc.returns is None
    assert [(r.name, r.description) for r in doc.raises] == [("TypeError", "If not numbers.")]


def test_sphinx():
    doc = parse_docstring(SPHINX)
    assert doc.style == "sphinx"
    assert doc.summary == "Read a file."
    assert doc.description == "Longer text."
    assert [(p.name, p.type, p.description) for p in doc.params] == [
        ("path", "str", "The file."),
        ("size", "int", "How much."),
    ]
    assert (doc.returns.type, doc.returns.description) == ("str", "The text read.")
    assert doc.raised("OSError").description == "When it cannot be read."


def test_plain_and_empty():
    assert parse_docstring(None).summary == ""
    doc = parse_docstring("One line\ncontinued.\n\nMore.")
    assert doc.style == "plain"
    assert doc.summary == "One line continued."
    assert doc.description == "More."
    assert doc.params == ()


def test_rest_markup_is_read_as_its_text():
    doc = parse_docstring(
        "Join with :func:`os.path.join` and :py:meth:`~pkg.Store.save`.\n\n"
        "Notes\n=====\n\nSee :ref:`the guide <guide>`; \\*args are passed on.\n\n"
        "Args:\n    path: a :class:`pathlib.Path`.\n"
    )
    assert doc.summary == "Join with `os.path.join` and `save`."
    assert doc.description == "**Notes**\n\nSee the guide; *args are passed on."
    assert doc.params[0].description == "a `pathlib.Path`."


def test_a_paragraph_opening_with_a_role_is_text_not_a_field() -> None:
    from docgen.write.offline.docstrings import parse_docstring

    doc = parse_docstring("Run it.\n\n:func:`run` is the whole of a run.\n\n:param x: the thing\n")
    assert doc.description == "`run` is the whole of a run."
    assert [(p.name, p.description) for p in doc.params] == [("x", "the thing")]


def test_sections_come_from_docstring_parser_with_our_reading_as_the_fallback() -> None:
    # NumPy's "x, y : type" documents both; reST ":ivar:" is an attribute
    numpy = parse_docstring(
        "Sum.\n\nParameters\n----------\nx, y : int\n    The terms.\n\n"
        "Returns\n-------\ntotal : int\n    The sum.\n"
    )
    assert [(p.name, p.type, p.description) for p in numpy.params] == [
        ("x", "int", "The terms."),
        ("y", "int", "The terms."),
    ]
    assert (numpy.returns.name, numpy.returns.type) == ("total", "int")
    rest = parse_docstring("Box.\n\n:ivar size: how big\n:param int a: the a\n")
    assert [(a.name, a.description) for a in rest.attributes] == [("size", "how big")]
    assert [(p.name, p.type) for p in rest.params] == [("a", "int")]
    # docstring-parser refuses a Google "Raises:" item without a colon: ours reads it
    google = parse_docstring("Do.\n\nArgs:\n    x (int): An x.\n\nRaises:\n    KeyError\n")
    assert [r.name for r in google.raises] == ["KeyError"]
    assert [(p.name, p.type) for p in google.params] == [("x", "int")]


def test_rest_blocks_become_markdown_and_doctests_leave_the_prose() -> None:
    from docgen.render.markdown import escape_prose

    doc = parse_docstring(
        "Compute the *same* value, **faster**.\n\n"
        "Use `Python <https://python.org>`_ like this::\n\n    total = f(1)\n\n"
        ".. note:: Mind the gap.\n\n"
        ".. code-block:: python\n\n    g(2)\n\n"
        ".. a comment\n\n"
        ">>> f(1)\n3\n\nThe end.\n"
    )
    assert doc.summary == "Compute the *same* value, **faster**."
    assert doc.description == (
        "Use Python like this:\n\n    total = f(1)\n\n**Note:** Mind the gap.\n\n\n    g(2)\n\n"
        "\nThe end."
    )
    assert doc.examples == ("f(1)",)
    shown = escape_prose(doc.description)
    assert "```\ntotal = f(1)\n```" in shown and "```\ng(2)\n```" in shown
    assert "**Note:** Mind the gap." in shown and "3" not in shown
    assert escape_prose(doc.summary) == "Compute the *same* value, **faster**."
    # what is not emphasis stays literal: stars of *args and arithmetic, braces, tags
    assert escape_prose("pass *args, a * b, {{ x }} <b>") == (
        "pass \\*args, a \\* b, \\{\\{ x \\}\\} &lt;b&gt;"
    )
