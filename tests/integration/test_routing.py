"""Routing a point to the smallest cell and the most serious zone (services/grid/routing.py)."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon, box

from models import GridCell
from models.db import SessionFactory
from services import grid
from services.demo import DEMO_GRID as DEMO
from services.grid import (
    GridIndex,
    GridIndexHolder,
    Place,
    distance_m,
    import_grid,
    load_grid_index,
)

LEVELS = ["city", "county", "township", "village"]


@pytest.fixture
async def holder(session_factory: SessionFactory) -> GridIndexHolder:
    """The demo grid imported, and the index reloaded as the bot does after `grid import`."""
    holder = GridIndexHolder()
    assert holder.locate(30.87, 120.42) == Place(None)  # nothing loaded yet
    async with session_factory() as session:
        await import_grid(session, json.loads(DEMO.read_text(encoding="utf-8")))
        await session.commit()
        await holder.reload(session)
    return holder


async def code_at(factory: SessionFactory, holder: GridIndexHolder, lat: float,
                  lon: float) -> str | None:
    place = holder.locate(lat, lon)
    if place.cell_id is None:
        return None
    async with factory() as session:
        found = await session.get(GridCell, place.cell_id)
    assert found is not None
    return found.code


@pytest.mark.parametrize(("lat", "lon", "code"), [
    (30.87, 120.42, "330503100001"),   # 南浔: a village of 南浔镇
    (30.87, 120.09, "330502103001"),   # Huzhou's centre: a community of 爱山街道
    (30.54, 119.98, "330521101001"),   # 德清's seat, 武康街道
    (30.77, 120.18, "330502101"),      # 东林镇's corner that has no village
    (30.90, 119.90, "330502"),         # 吴兴区 outside every township in the file
    (30.40, 119.25, "330523"),         # the city's south-west corner, on the boundary of 安吉县
    (31.23, 121.47, None),             # Shanghai: outside every cell
])
async def test_a_point_lands_in_the_deepest_cell_holding_it(
    session_factory: SessionFactory, holder: GridIndexHolder, lat: float, lon: float,
    code: str | None,
) -> None:
    assert await code_at(session_factory, holder, lat, lon) == code


async def test_a_point_on_the_edge_between_two_villages_lands_in_one_of_them(
    session_factory: SessionFactory, holder: GridIndexHolder
) -> None:
    # 妙西镇's south-east and north-east villages share the line lat 30.78
    assert await code_at(session_factory, holder, 30.78, 119.99) in {"330502100002",
                                                                      "330502100004"}
    # the north edge of 妙西镇 (lat 30.86) borders no other township: still its village
    assert await code_at(session_factory, holder, 30.86, 119.99) == "330502100004"


async def test_zones_of_laohutan_grade1_beats_grade2_beats_quasi(
    session_factory: SessionFactory, holder: GridIndexHolder
) -> None:
    async with session_factory() as session:
        sources = {s.code: s.id for s in await grid.list_sources(session)}
    centre = holder.locate(30.785, 119.960)
    assert (centre.source_id, centre.zone) == (sources["WS-LHT"], "grade1")
    assert holder.locate(30.803, 119.960).zone == "grade2"
    assert holder.locate(30.820, 119.960).zone == "quasi"
    away = holder.locate(30.87, 120.42)
    assert (away.source_id, away.zone) == (None, None)


async def test_load_grid_index_sees_every_cell(session_factory: SessionFactory,
                                               holder: GridIndexHolder) -> None:
    async with session_factory() as session:
        index = await load_grid_index(session)
    assert len(index) == len(holder.current) == 87


def test_overlapping_cells_and_zones_pick_the_deeper_smaller_and_more_serious() -> None:
    index = GridIndex.build(
        [(1, "city", box(0, 0, 10, 10).wkt), (2, "county", box(0, 0, 5, 5).wkt),
         (3, "county", box(0, 0, 4, 4).wkt)],
        [(7, "quasi", box(0, 0, 3, 3).wkt), (8, "grade2", box(0, 0, 2, 2).wkt),
         (9, "grade1", box(1, 1, 2, 2).wkt)],
    )
    assert index.locate(1.5, 1.5) == Place(3, 9, "grade1")
    assert index.locate(0.5, 0.5) == Place(3, 8, "grade2")
    assert index.locate(2.5, 2.5) == Place(3, 7, "quasi")
    assert index.locate(4.5, 4.5) == Place(2)
    assert index.locate(9, 1) == Place(1)  # lat 9, lon 1: x is longitude
    assert index.locate(math.nan, 1) == Place(None)
    assert GridIndex.empty().locate(1, 1) == Place(None)


# Rectangles on a coarse lattice, points on a finer one: many points fall on edges and corners.
rectangles = st.tuples(st.integers(0, 8), st.integers(0, 8), st.integers(1, 4),
                       st.integers(1, 4)).map(lambda r: box(r[0], r[1], r[0] + r[2], r[1] + r[3]))
cells_strategy = st.lists(st.tuples(rectangles, st.sampled_from(LEVELS)), max_size=25)
zones_strategy = st.lists(st.tuples(rectangles, st.sampled_from(["grade1", "grade2", "quasi"])),
                          max_size=6)
points = st.tuples(st.integers(-2, 26), st.integers(-2, 26)).map(lambda p: (p[0] / 2, p[1] / 2))


@settings(max_examples=300, deadline=None)
@given(cells_strategy, zones_strategy, st.lists(points, min_size=1, max_size=20))
def test_the_index_agrees_with_a_loop_over_every_polygon(
    cells: list[tuple[Polygon, str]], zones: list[tuple[Polygon, str]],
    probes: list[tuple[float, float]],
) -> None:
    cell_rows = [(100 + i, level, shape.wkt) for i, (shape, level) in enumerate(cells)]
    zone_rows = [(500 + i, grade, shape.wkt) for i, (shape, grade) in enumerate(zones)]
    index = GridIndex.build(cell_rows, zone_rows)
    seriousness = {"grade1": 0, "grade2": 1, "quasi": 2}
    for lon, lat in probes:
        here = Point(lon, lat)
        holding = [(-LEVELS.index(level), shape.area, 100 + i)
                   for i, (shape, level) in enumerate(cells) if shape.intersects(here)]
        zoned = [(seriousness[grade], 500 + i, grade)
                 for i, (shape, grade) in enumerate(zones) if shape.intersects(here)]
        want = Place(min(holding)[2] if holding else None,
                     min(zoned)[1] if zoned else None,
                     min(zoned)[2] if zoned else None)
        assert index.locate(lat, lon) == want


def test_distance_is_haversine_in_metres() -> None:
    one_degree = 2 * math.pi * 6_371_008.8 / 360
    assert distance_m(30.0, 120.0, 31.0, 120.0) == pytest.approx(one_degree, rel=1e-9)
    assert distance_m(30.87, 120.09, 30.87, 120.09) == 0
    # Huzhou to 南浔 along the parallel: ~31.5 km, the same both ways
    there = distance_m(30.87, 120.09, 30.87, 120.42)
    assert there == pytest.approx(distance_m(30.87, 120.42, 30.87, 120.09))
    assert 31_000 < there < 32_000
