"""One point of a patrol's track, written as it comes: flagged when it jumps faster than a
person moves from the last counted point or when the device says it is inaccurate (both left
out of the distance), a silence before it recorded as a gap, and the checkpoints it reaches
marked as passed. The patrol row keeps the running figures, so a point costs one insert and one
update, and a restart loses nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from models import Checkpoint, Patrol, PatrolPoint, PatrolState, PointFlag
from services.patrols.geo import distance_m
from services.settings import PatrolSettings


class Adds(Protocol):
    """Where a point is added: the unit of work's session (a list in a test)."""

    def add(self, instance: object) -> None: ...


@dataclass(frozen=True)
class Fix:
    """A position as a device sent it."""

    lat: float
    lon: float
    at: datetime
    accuracy_m: float | None = None
    heading: int | None = None


@dataclass(frozen=True)
class Recorded:
    point: PatrolPoint
    flag: PointFlag | None
    passed: tuple[str, ...]  # checkpoints this point passed first


def _flag(patrol: Patrol, fix: Fix, settings: PatrolSettings) -> tuple[PointFlag | None, float]:
    if fix.accuracy_m is not None and fix.accuracy_m > settings.max_accuracy_m:
        return PointFlag.INACCURATE, 0.0
    if patrol.last_lat is None or patrol.last_lon is None or patrol.last_good_at is None:
        return None, 0.0
    step = distance_m(patrol.last_lat, patrol.last_lon, fix.lat, fix.lon)
    seconds = (fix.at - patrol.last_good_at).total_seconds()
    # Within one second, anything farther than the accuracy bound is a jump.
    if step > settings.max_speed_mps * max(seconds, 1.0) and step > settings.max_accuracy_m / 2:
        return PointFlag.JUMP, 0.0
    return None, step


def record(session: Adds, patrol: Patrol, fix: Fix, settings: PatrolSettings,
           checkpoints: list[Checkpoint], heard: datetime | None = None) -> Recorded:
    """Add `fix` to the open patrol (the caller commits); `heard`: when the server got it (the
    sweep's silence is counted from it, not from the device's clock), else the fix's time."""
    flag, step = _flag(patrol, fix, settings)
    gap = None
    if patrol.last_point_at is not None:
        silence = (fix.at - patrol.last_point_at).total_seconds()
        if silence > settings.gap.total_seconds():
            gap = silence
            patrol.gaps += 1
    point = PatrolPoint(patrol_id=patrol.id, at=fix.at, lat=fix.lat, lon=fix.lon,
                        accuracy_m=fix.accuracy_m, heading=fix.heading,
                        flag=str(flag) if flag else None, gap_s=gap, step_m=step)
    session.add(point)
    patrol.points += 1
    if patrol.started_at is None:
        patrol.started_at = fix.at
    if patrol.state == PatrolState.WAITING:
        patrol.state = PatrolState.OPEN
    if patrol.last_point_at is None or fix.at > patrol.last_point_at:
        patrol.last_point_at = fix.at
    patrol.heard_at = heard or fix.at
    passed: list[str] = []
    if flag is not None:
        patrol.flagged += 1
    else:
        patrol.distance_m += step
        patrol.last_lat, patrol.last_lon, patrol.last_good_at = fix.lat, fix.lon, fix.at
        seen = set(patrol.passed)
        for checkpoint in checkpoints:
            if checkpoint.code not in seen and distance_m(
                    checkpoint.lat, checkpoint.lon, fix.lat, fix.lon) <= checkpoint.radius_m:
                passed.append(checkpoint.code)
        if passed:
            patrol.passed = [*patrol.passed, *passed]  # a new list, so the JSON is written
    return Recorded(point, flag, tuple(passed))
