"""``docgen estimate``: what a run would cost, without calling the model.

Units already in the cache cost nothing. For every other unit the prompt is built exactly as the
chat writer would build it (:class:`~docgen.write.chat.prompts.PromptBuilder`, injected) and
measured with :func:`estimate_tokens`, so this module knows nothing of prompts, models or the
network.

The answer's length cannot be measured before it exists, so :func:`expected_completion_tokens`
uses a documented heuristic, fitted to the size of the structured answers docgen asks for:

* function or method: 220 tokens, +40 per documented parameter (a method's bound first one
  excluded), +30 per raised exception, +20 per top-level step of its body (at most 12 steps
  counted), +40 when it returns a value; at most 1000;
* class: 220 tokens, +25 per attribute, +10 per method; at most 700;
* module: 450 tokens, +150 for a usage note with steps (a script, or a ``__main__`` block); at
  most 700.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from docgen.model import ClassInfo, FunctionInfo, ModuleInfo, Unit, UnitContext, UnitKind

__all__ = [
    "CHARS_PER_TOKEN",
    "Estimate",
    "KindEstimate",
    "estimate",
    "estimate_tokens",
    "expected_completion_tokens",
]

CHARS_PER_TOKEN = 3  # code and Russian text both average close to three characters a token


def estimate_tokens(text: str) -> int:
    """A rough token count: one token per three characters, rounded up.

    Tokenizers differ by model; for Python source and Russian prose three characters a token is
    close for the common BPE vocabularies and errs on the high side for English. Used for the
    prompt budget, the ``estimate`` command and servers that report no usage, never for billing.
    """
    return math.ceil(len(text) / CHARS_PER_TOKEN)


_KINDS = (UnitKind.MODULE, UnitKind.CLASS, UnitKind.FUNCTION, UnitKind.METHOD)


@dataclass(frozen=True, slots=True)
class KindEstimate:
    """The estimate for one kind of unit (module, class, function or method)."""

    kind: str
    units: int
    cached: int
    to_do: int
    prompt_tokens: int
    completion_tokens: int


@dataclass(frozen=True, slots=True)
class Estimate:
    """Tokens and cost of the units still to do; ``by_kind`` lists only kinds present."""

    units: int
    cached: int
    to_do: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    price_in: float  # USD per million prompt tokens
    price_out: float  # USD per million completion tokens
    by_kind: tuple[KindEstimate, ...]
    basis: str = "heuristic"  # how completion tokens were estimated

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, for ``docgen estimate --format json``."""
        return {
            "units": self.units,
            "cached": self.cached,
            "to_do": self.to_do,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cost_usd": round(self.cost_usd, 6),
            "price_in": self.price_in,
            "price_out": self.price_out,
            "basis": self.basis,
            "by_kind": [
                {
                    "kind": k.kind,
                    "units": k.units,
                    "cached": k.cached,
                    "to_do": k.to_do,
                    "prompt_tokens": k.prompt_tokens,
                    "completion_tokens": k.completion_tokens,
                }
                for k in self.by_kind
            ],
        }


def expected_completion_tokens(unit: Unit) -> int:
    """The heuristic answer length of a unit, in tokens (see the module doc)."""
    if isinstance(unit, FunctionInfo):
        params = unit.call_params
        tokens = 220 + 40 * len(params) + 30 * len(unit.raises) + 20 * min(len(unit.flow), 12)
        if unit.returns_value:
            tokens += 40
        return min(tokens, 1000)
    if isinstance(unit, ClassInfo):
        return min(220 + 25 * len(unit.attributes) + 10 * len(unit.methods), 700)
    if isinstance(unit, ModuleInfo):
        steps = unit.is_script or unit.main_block is not None
        return min(450 + (150 if steps else 0), 700)
    raise TypeError(f"not a unit: {type(unit).__name__}")


def estimate(
    units: Sequence[tuple[Unit, UnitContext]],
    *,
    cached: Callable[[Unit, UnitContext], bool],
    count_tokens: Callable[[str], int],
    prompt_for: Callable[[Unit, UnitContext], str],
    price_in: float,
    price_out: float,
    measured: tuple[float, int] | None = None,
) -> Estimate:
    """Count what documenting ``units`` would take; cached units cost nothing.

    ``prompt_for`` gives the whole prompt text a unit would be sent with (system and user
    messages joined) and ``count_tokens`` measures it. Pass ``cached=lambda u, c: False`` to
    estimate a ``--force`` run. With ``measured`` (completion tokens per prompt token of earlier
    answers by the same model, and how many), a unit's completion is its prompt times that
    ratio instead of the heuristic.
    """
    if price_in < 0 or price_out < 0:
        raise ValueError("prices must not be negative")
    totals = {kind: [0, 0, 0, 0] for kind in _KINDS}  # units, cached, prompt, completion
    for unit, context in units:
        row = totals[UnitKind(unit.kind)]
        row[0] += 1
        if cached(unit, context):
            row[1] += 1
            continue
        prompt = count_tokens(prompt_for(unit, context))
        row[2] += prompt
        if measured is not None:
            row[3] += math.ceil(prompt * measured[0])
        else:
            row[3] += expected_completion_tokens(unit)
    by_kind = tuple(
        KindEstimate(str(kind), n, hit, n - hit, prompt, completion)
        for kind, (n, hit, prompt, completion) in totals.items()
        if n
    )
    prompt_tokens = sum(k.prompt_tokens for k in by_kind)
    completion_tokens = sum(k.completion_tokens for k in by_kind)
    return Estimate(
        units=sum(k.units for k in by_kind),
        cached=sum(k.cached for k in by_kind),
        to_do=sum(k.to_do for k in by_kind),
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        cost_usd=(prompt_tokens * price_in + completion_tokens * price_out) / 1_000_000,
        price_in=price_in,
        price_out=price_out,
        by_kind=by_kind,
        basis=(
            f"measured: {measured[0]:.3f} completion tokens per prompt token over"
            f" {measured[1]} earlier answers of this model"
            if measured is not None
            else "heuristic: no earlier answers of this model in the cache"
        ),
    )
