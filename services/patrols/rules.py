"""A finished patrol judged against its level's rule: it counts, or it is too short (in time or
length), or it passed too few checkpoints; the verdict carries the figures that decided it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from services.settings import PatrolRule


class Verdict(StrEnum):
    COUNTS = "counts"
    TOO_SHORT = "too_short"
    TOO_FEW_CHECKPOINTS = "too_few_checkpoints"


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict
    reason: str  # "time", "distance", "checkpoints" or "" (it counts)
    minutes: float
    km: float
    checkpoints: int
    rule: PatrolRule


def judge(minutes: float, km: float, checkpoints: int, rule: PatrolRule) -> Judgement:
    """Time first, then length, then checkpoints: the first rule a patrol misses is its reason."""
    if minutes < rule.min_minutes:
        return Judgement(Verdict.TOO_SHORT, "time", minutes, km, checkpoints, rule)
    if km < rule.min_km:
        return Judgement(Verdict.TOO_SHORT, "distance", minutes, km, checkpoints, rule)
    if checkpoints < rule.min_checkpoints:
        return Judgement(Verdict.TOO_FEW_CHECKPOINTS, "checkpoints", minutes, km, checkpoints,
                         rule)
    return Judgement(Verdict.COUNTS, "", minutes, km, checkpoints, rule)
