"""docgen estimate: counts, cached units, heuristic completions and cost, with no network."""

from __future__ import annotations

import socket

import pytest

from docgen.model import (
    Attribute,
    ClassInfo,
    FlowKind,
    FlowNode,
    FunctionInfo,
    MainBlock,
    ModuleInfo,
    Parameter,
    ParamKind,
    Raise,
    UnitContext,
    UnitKind,
)
from docgen.write.chat.estimate import Estimate, estimate, expected_completion_tokens


def function(name: str, *params: str, kind=UnitKind.FUNCTION, raises=0, flow=0, returns=None):
    return FunctionInfo(
        module="pkg.mod",
        qualname=name,
        name=name.rsplit(".", 1)[-1],
        kind=kind,
        line_start=1,
        line_end=2,
        source=f"def {name}(): pass",
        is_async=False,
        decorators=(),
        params=tuple(Parameter(p, ParamKind.POSITIONAL_OR_KEYWORD) for p in params),
        returns=returns,
        docstring=None,
        raises=tuple(Raise("ValueError", None, 1) for _ in range(raises)),
        return_values=(),
        yields=False,
        calls=(),
        flow=tuple(FlowNode(FlowKind.STATEMENT, "x", 1) for _ in range(flow)),
    )


def klass(name: str, methods=(), attributes=0) -> ClassInfo:
    return ClassInfo(
        module="pkg.mod",
        qualname=name,
        name=name,
        line_start=1,
        line_end=9,
        source=f"class {name}: pass",
        bases=(),
        decorators=(),
        docstring=None,
        attributes=tuple(Attribute(f"a{i}", None, None, 1) for i in range(attributes)),
        methods=tuple(methods),
        classes=(),
    )


def module(classes=(), functions=(), main=False) -> ModuleInfo:
    return ModuleInfo(
        name="pkg.mod",
        path="pkg/mod.py",
        source_hash="h",
        source="",
        docstring=None,
        imports=(),
        attributes=(),
        statements=(),
        main_block=MainBlock(1, 2, "", (), ()) if main else None,
        classes=tuple(classes),
        functions=tuple(functions),
        line_count=1,
    )


def test_completion_heuristic() -> None:
    assert expected_completion_tokens(function("f")) == 220
    assert (
        expected_completion_tokens(function("f", "a", "b", raises=1, flow=3)) == 220 + 80 + 30 + 60
    )
    assert expected_completion_tokens(function("f", returns="int")) == 260
    assert expected_completion_tokens(function("f", returns="None")) == 220
    method = function("C.m", "self", "x", kind=UnitKind.METHOD)
    assert expected_completion_tokens(method) == 260  # self is not documented
    assert expected_completion_tokens(function("f", *"abcdefghijklmnopqrstuvwxyz", flow=40)) == 1000
    assert expected_completion_tokens(klass("C", [method], attributes=2)) == 220 + 50 + 10
    lib = module(functions=[function("f")])
    assert expected_completion_tokens(lib) == 450
    assert expected_completion_tokens(module(functions=[function("f")], main=True)) == 600
    assert expected_completion_tokens(module()) == 600  # a script: a usage note with steps


def test_estimate_counts_only_units_to_do(monkeypatch) -> None:
    def no_network(*args, **kwargs):
        raise AssertionError("estimate must not touch the network")

    monkeypatch.setattr(socket, "socket", no_network)
    method = function("C.m", "self", "x", kind=UnitKind.METHOD)
    cls = klass("C", [method])
    f = function("f", "a")
    mod = module(classes=[cls], functions=[f])
    ctx = UnitContext(module=mod)
    units = [(mod, ctx), (cls, ctx), (f, ctx), (method, ctx)]
    prompts = {mod.uid: "m" * 1000, cls.uid: "c" * 300, f.uid: "f" * 200, method.uid: "x" * 100}
    asked: list[str] = []

    def prompt_for(unit, context):
        asked.append(unit.uid)
        return prompts[unit.uid]

    result = estimate(
        units,
        cached=lambda unit, context: unit is cls,
        count_tokens=len,
        prompt_for=prompt_for,
        price_in=2.0,
        price_out=8.0,
    )
    assert isinstance(result, Estimate)
    assert (result.units, result.cached, result.to_do) == (4, 1, 3)
    assert cls.uid not in asked  # a cached unit is not even prompted
    assert result.prompt_tokens == 1000 + 200 + 100
    assert result.completion_tokens == 450 + 260 + 260
    assert result.cost_usd == pytest.approx((1300 * 2.0 + 970 * 8.0) / 1e6)
    kinds = {k.kind: k for k in result.by_kind}
    assert list(kinds) == ["module", "class", "function", "method"]
    assert (kinds["class"].cached, kinds["class"].to_do, kinds["class"].prompt_tokens) == (1, 0, 0)
    assert kinds["method"].completion_tokens == 260
    data = result.to_dict()
    assert data["to_do"] == 3 and data["by_kind"][1] == {
        "kind": "class",
        "units": 1,
        "cached": 1,
        "to_do": 0,
        "prompt_tokens": 0,
        "completion_tokens": 0,
    }


def test_estimate_of_nothing_and_bad_prices() -> None:
    empty = estimate(
        [], cached=lambda u, c: False, count_tokens=len, prompt_for=str, price_in=1, price_out=1
    )
    assert (empty.units, empty.to_do, empty.cost_usd, empty.by_kind) == (0, 0, 0.0, ())
    with pytest.raises(ValueError):
        estimate(
            [],
            cached=lambda u, c: False,
            count_tokens=len,
            prompt_for=str,
            price_in=-1,
            price_out=1,
        )
