"""GCJ-02 <-> WGS-84 on known points: a WeCom location is moved onto the grid's datum."""

from __future__ import annotations

import pytest

from services.grid import Datum, distance_m, to_wgs84
from services.grid.datum import gcj02_to_wgs84, wgs84_to_gcj02

# (WGS-84, GCJ-02) pairs computed independently (shared/wecom/REFERENCE.md section 9).
KNOWN = [
    ((39.908692, 116.397477), (39.910095, 116.403721)),  # Beijing, Tiananmen
    ((23.134521, 113.358803), (23.131992, 113.364292)),  # Guangzhou
]


@pytest.mark.parametrize(("wgs", "gcj"), KNOWN)
def test_known_points_go_both_ways_to_within_a_metre(
    wgs: tuple[float, float], gcj: tuple[float, float]
) -> None:
    assert distance_m(*wgs84_to_gcj02(*wgs), *gcj) < 1.0
    assert distance_m(*gcj02_to_wgs84(*gcj), *wgs) < 1.0
    assert 400 < distance_m(*wgs, *gcj) < 700  # what a naive channel would be off by


def test_a_huzhou_point_comes_back_to_a_tenth_of_a_millimetre() -> None:
    intake = (30.78783, 119.95968)  # the demo grid's grade-I zone
    shown = wgs84_to_gcj02(*intake)
    assert 300 < distance_m(*intake, *shown) < 700
    back = gcj02_to_wgs84(*shown)
    assert distance_m(*intake, *back) < 1e-4


def test_outside_china_nothing_moves_and_wgs84_is_taken_as_it_is() -> None:
    paris = (48.8566, 2.3522)
    assert wgs84_to_gcj02(*paris) == paris
    assert gcj02_to_wgs84(*paris) == paris
    assert to_wgs84(30.7, 119.9, Datum.WGS84) == (30.7, 119.9)
    assert to_wgs84(30.7, 119.9, Datum.GCJ02) != (30.7, 119.9)
