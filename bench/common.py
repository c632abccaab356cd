"""What a benchmark reports, and a timer that repeats until the figure settles."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """One measured figure. `ratio` is ours / baseline (costs) or ours / baseline (rates),
    as `kind` says; `goal` is the ratio we promise, `met` whether we kept it."""

    name: str
    ours: float
    baseline: float
    unit: str
    goal: float
    kind: str = "cost"  # "cost": lower is better, goal is a ceiling; "rate": goal is a floor
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.ours / self.baseline if self.baseline else float("inf")

    @property
    def met(self) -> bool:
        return self.ratio <= self.goal if self.kind == "cost" else self.ratio >= self.goal


def best_of(fn: Callable[[], object], *, repeat: int = 5, number: int = 1) -> float:
    """Seconds per call: the best of `repeat` rounds of `number` calls (least disturbed)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best
