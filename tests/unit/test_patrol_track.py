"""A patrol's points one by one, without a database: geodesic steps add up, a jump faster than
a person and an inaccurate point are flagged and left out, a silence is a gap, a checkpoint
within its radius is passed once; the verdict names the first rule missed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from models import Checkpoint, Patrol, PatrolState, PointFlag
from services.patrols import Fix, Verdict, distance_m, judge, record
from services.settings import PatrolRule, PatrolSettings

T0 = datetime(2026, 11, 3, 1, 30, tzinfo=UTC)
SETTINGS = PatrolSettings()
RULE = PatrolRule(30, 2.0, 2)


class Added:
    def __init__(self) -> None:
        self.rows: list[Any] = []

    def add(self, row: Any) -> None:
        self.rows.append(row)


def fresh() -> Patrol:
    return Patrol(id=1, member_id=1, source_id=1, level="village", state=PatrolState.WAITING,
                  distance_m=0.0, points=0, flagged=0, gaps=0, passed=[])


def test_one_degree_of_latitude_is_the_ellipsoids_not_a_spheres() -> None:
    assert distance_m(30.0, 120.0, 31.0, 120.0) == pytest.approx(110_861, abs=5)


def test_jumps_and_inaccurate_points_are_flagged_and_left_out() -> None:
    patrol, session = fresh(), Added()
    gate = [Checkpoint(code="CP", name="取水口", kind="intake", lat=30.7855, lon=119.96,
                       radius_m=50)]
    walk = [(30.785, 119.96, 0, 5.0), (30.7851, 119.96, 10, 5.0),
            (30.83, 119.96, 15, 5.0),  # 5 km in 5 s
            (30.7853, 119.96, 20, 900.0),  # the device says 900 m
            (30.7855, 119.96, 30, 5.0)]
    flags = [record(session, patrol, Fix(lat, lon, T0 + timedelta(seconds=s), acc),
                    SETTINGS, gate).flag for lat, lon, s, acc in walk]
    assert flags == [None, None, PointFlag.JUMP, PointFlag.INACCURATE, None]
    assert patrol.distance_m == pytest.approx(distance_m(30.785, 119.96, 30.7855, 119.96),
                                              rel=1e-6)
    assert (patrol.points, patrol.flagged, patrol.passed) == (5, 2, ["CP"])
    assert patrol.state == PatrolState.OPEN and len(session.rows) == 5


def test_a_silence_longer_than_the_gap_is_recorded() -> None:
    patrol, session = fresh(), Added()
    record(session, patrol, Fix(30.785, 119.96, T0), SETTINGS, [])
    later = record(session, patrol, Fix(30.7851, 119.96, T0 + timedelta(minutes=5)),
                   SETTINGS, [])
    assert patrol.gaps == 1 and later.point.gap_s == 300 and later.flag is None


def test_the_verdict_names_the_first_rule_missed() -> None:
    assert judge(29, 3.0, 2, RULE).reason == "time"
    assert judge(45, 1.5, 2, RULE).reason == "distance"
    missed = judge(45, 3.0, 1, RULE)
    assert (missed.verdict, missed.reason) == (Verdict.TOO_FEW_CHECKPOINTS, "checkpoints")
    assert judge(30, 2.0, 2, RULE).verdict == Verdict.COUNTS
