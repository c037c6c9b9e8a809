"""The run's spending cap: tokens or dollars, counted from the usage the server reports.

:class:`Budget` is shared by every request of a run. Once what was spent reaches the cap no new
request is sent (the ones in flight finish, and their tokens count too); the units still to ask
are reported as ``budget``. The cost is the tokens times the prices per million given with
``--price-in``/``--price-out`` (or ``price_in``/``price_out`` in ``[tool.docgen]``).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Budget"]


@dataclass
class Budget:
    """A cap on a run's tokens (prompt plus completion) and/or its cost in USD."""

    max_tokens: int | None = None
    max_cost: float | None = None
    price_in: float = 0.0  # USD per million prompt tokens
    price_out: float = 0.0  # USD per million completion tokens
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def cost(self) -> float:
        return (self.prompt_tokens * self.price_in + self.completion_tokens * self.price_out) / 1e6

    @property
    def reached(self) -> bool:
        tokens = self.prompt_tokens + self.completion_tokens
        if self.max_tokens is not None and tokens >= self.max_tokens:
            return True
        return self.max_cost is not None and self.cost >= self.max_cost

    def add(self, prompt: int, completion: int) -> None:
        self.prompt_tokens += prompt
        self.completion_tokens += completion

    def reason(self) -> str:
        """Why no more requests are sent, for the report."""
        tokens = self.prompt_tokens + self.completion_tokens
        if self.max_tokens is not None and tokens >= self.max_tokens:
            return f"budget: the run's cap of {self.max_tokens} tokens was reached ({tokens} used)"
        return (
            f"budget: the run's cap of ${self.max_cost:g} was reached (${self.cost:.4f} spent,"
            f" {tokens} tokens)"
        )
