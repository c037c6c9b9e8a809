"""Round trips of docs through JSON, and the report's unit dicts."""

from __future__ import annotations

import json
import random

import pytest

from docgen.model import (
    ClassDoc,
    Example,
    FunctionDoc,
    ModuleDoc,
    ParamDoc,
    RaiseDoc,
)
from docgen.store.serialize import (
    SerializeError,
    doc_from_dict,
    doc_from_json,
    doc_to_dict,
    doc_to_json,
)

ALPHABET = "aZ09 _-\n\t\"'\\{}[]:,/" + "ёжЖщЪ" + "€😀\u0000\u2028" + "\ud800"


def rand_text(rng: random.Random) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 12)))


def rand_tuple(rng: random.Random, make) -> tuple:
    return tuple(make(rng) for _ in range(rng.randrange(0, 4)))


def rand_example(rng: random.Random) -> Example:
    return Example(code=rand_text(rng), description=rand_text(rng))


def rand_doc(rng: random.Random):
    kind = rng.randrange(3)
    if kind == 0:
        return FunctionDoc(
            purpose=rand_text(rng),
            params=rand_tuple(rng, lambda r: ParamDoc(rand_text(r), rand_text(r))),
            returns=rand_text(rng),
            raises=rand_tuple(rng, lambda r: RaiseDoc(rand_text(r), rand_text(r))),
            steps=rand_tuple(rng, rand_text),
            examples=rand_tuple(rng, rand_example),
            summary=rand_text(rng),
        )
    if kind == 1:
        return ClassDoc(
            purpose=rand_text(rng),
            details=rand_text(rng),
            attributes=rand_tuple(rng, lambda r: ParamDoc(rand_text(r), rand_text(r))),
            examples=rand_tuple(rng, rand_example),
        )
    return ModuleDoc(
        title=rand_text(rng),
        overview=rand_text(rng),
        details=rand_text(rng),
        steps=rand_tuple(rng, rand_text),
        usage_example=rand_example(rng) if rng.random() < 0.5 else None,
        entry_point=rand_text(rng),
    )


def test_random_docs_round_trip_through_json() -> None:
    rng = random.Random(20261122)
    kinds = set()
    for _ in range(500):
        doc = rand_doc(rng)
        kinds.add(type(doc))
        text = doc_to_json(doc)
        text.encode("utf-8")  # ASCII-only JSON: storable even with lone surrogates
        assert doc_from_json(text) == doc
        assert doc_from_dict(json.loads(json.dumps(doc_to_dict(doc)))) == doc
        assert doc_to_json(doc_from_json(text)) == text  # stable
    assert kinds == {FunctionDoc, ClassDoc, ModuleDoc}


def test_keys_are_tagged_and_in_a_stable_order() -> None:
    doc = FunctionDoc("p", (ParamDoc("x", "икс"),), "r", (), ("s",), (Example("f()"),))
    data = doc_to_dict(doc)
    assert list(data) == [
        "kind",
        "purpose",
        "summary",
        "params",
        "returns",
        "raises",
        "steps",
        "examples",
    ]
    assert data["kind"] == "function"
    assert data["params"] == [{"name": "x", "description": "икс"}]
    assert doc_to_dict(ModuleDoc("t", "o", "d", (), None))["kind"] == "module"
    assert doc_to_dict(ClassDoc("p", "d", (), ()))["kind"] == "class"


def test_defaults_fill_missing_optional_keys() -> None:
    assert doc_from_dict({"kind": "function", "purpose": "p"}) == FunctionDoc(
        "p", (), "", (), (), ()
    )
    assert doc_from_dict({"kind": "module", "title": "t"}) == ModuleDoc("t", "", "", (), None)


@pytest.mark.parametrize(
    "bad",
    [
        None,
        [],
        {"kind": "nope"},
        {"purpose": "p"},
        {"kind": "function"},
        {"kind": "function", "purpose": 3},
        {"kind": "function", "purpose": "p", "steps": "abc"},
        {"kind": "function", "purpose": "p", "steps": [1]},
        {"kind": "function", "purpose": "p", "params": [{"name": "x"}]},
        {"kind": "class", "purpose": "p", "examples": ["x"]},
        {"kind": "module", "title": "t", "usage_example": {"description": "no code"}},
    ],
)
def test_bad_shapes_raise_serialize_error(bad) -> None:
    with pytest.raises(SerializeError):
        doc_from_dict(bad)


def test_bad_json_raises_serialize_error() -> None:
    with pytest.raises(SerializeError):
        doc_from_json("{not json")
