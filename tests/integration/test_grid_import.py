"""`grid import` on both databases: idempotent; bad files refused by feature; overlaps warned."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from sqlalchemy import select

from models import GridCell, ProtectionZone, WaterSource
from models.db import SessionFactory
from services.demo import DEMO_GRID as DEMO
from services.grid import GridImportError, ImportReport, import_grid


@pytest.fixture
def demo() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DEMO.read_text(encoding="utf-8"))
    return data


def find(data: dict[str, Any], code: str) -> tuple[int, dict[str, Any]]:
    for i, feat in enumerate(data["features"]):
        if feat["properties"].get("code") == code:
            return i, feat
    raise KeyError(code)


def rect(west: float, south: float, east: float, north: float) -> dict[str, Any]:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


async def dump(factory: SessionFactory) -> list[tuple[Any, ...]]:
    """Every column of every grid row, in id order: what "the same database" means here."""
    rows: list[tuple[Any, ...]] = []
    async with factory() as session:
        for model in (GridCell, WaterSource, ProtectionZone):
            table = model.__table__
            result = await session.execute(select(table).order_by(table.c.id))
            rows += [(table.name, *r) for r in result.all()]
    return rows


async def run(factory: SessionFactory, data: dict[str, Any]) -> ImportReport:
    async with factory() as session:
        report = await import_grid(session, data)
        await session.commit()
        return report


async def refused(factory: SessionFactory, data: dict[str, Any]) -> list[str]:
    before = await dump(factory)
    with pytest.raises(GridImportError) as caught:
        await run(factory, data)
    assert await dump(factory) == before, "a refused file must write nothing"
    return caught.value.problems


async def test_importing_the_demo_twice_leaves_the_same_rows(
    session_factory: SessionFactory, demo: dict[str, Any]
) -> None:
    first = await run(session_factory, demo)
    assert first.counts["cell"].created == 87
    assert first.counts["water_source"].created == 5
    assert first.counts["zone"].created == 12
    assert first.warnings == []
    after_first = await dump(session_factory)

    second = await run(session_factory, demo)

    assert await dump(session_factory) == after_first
    assert not second.wrote_anything
    assert {k: (c.created, c.changed) for k, c in second.counts.items()} == {
        "cell": (0, 0), "water_source": (0, 0), "zone": (0, 0)}
    assert second.counts["cell"].unchanged == 87
    assert "cells: 0 created, 0 changed, 87 unchanged" in second.lines()


async def test_paths_nest_and_demo_notes_are_kept(
    session_factory: SessionFactory, demo: dict[str, Any]
) -> None:
    await run(session_factory, demo)
    async with session_factory() as session:
        cells = {c.id: c for c in (await session.scalars(select(GridCell))).all()}
        source = await session.scalar(select(WaterSource).where(WaterSource.code == "WS-LHT"))
    for cell in cells.values():
        parent_path = cells[cell.parent_id].path if cell.parent_id else "/"
        assert cell.path == f"{parent_path}{cell.id}/"
    village = next(c for c in cells.values() if c.code == "330502100004")
    assert village.properties["invented"] is True
    assert "invented" in village.properties["note"]
    assert source is not None and source.name == "老虎潭水库"
    assert source.cell_id == village.id
    assert {z.grade for z in source.zones} == {"grade1", "grade2", "quasi"}


async def test_a_changed_name_and_a_moved_village_are_reported_and_applied(
    session_factory: SessionFactory, demo: dict[str, Any]
) -> None:
    await run(session_factory, demo)
    edited = copy.deepcopy(demo)
    find(edited, "330502100001")[1]["properties"]["name"] = "妙西新村"
    # 东林镇 has an empty north-east corner: a new village takes it
    edited["features"].append({"type": "Feature", "geometry": rect(120.135, 30.74, 120.22, 30.80),
                               "properties": {"kind": "cell", "code": "330502101004",
                                              "name": "东林新村", "level": "village",
                                              "parent": "330502101", "invented": True}})
    report = await run(session_factory, edited)
    assert (report.counts["cell"].created, report.counts["cell"].changed) == (1, 1)
    text = "\n".join(report.lines())
    assert "changed: cell 330502100001 妙西新村" in text
    assert "created: cell 330502101004 东林新村" in text
    async with session_factory() as session:
        new = await session.scalar(select(GridCell).where(GridCell.code == "330502101004"))
        town = await session.scalar(select(GridCell).where(GridCell.code == "330502101"))
    assert new is not None and town is not None
    assert new.path == f"{town.path}{new.id}/"


async def test_a_village_outside_its_township_is_refused_by_name(
    session_factory: SessionFactory, demo: dict[str, Any]
) -> None:
    index, feat = find(demo, "330502100001")
    feat["geometry"] = rect(120.30, 30.70, 120.34, 30.74)  # in 南浔区, far from 妙西镇
    problems = await refused(session_factory, demo)
    assert len(problems) == 1
    assert problems[0].startswith(f"features[{index}] 330502100001 妙西西南村: not within its "
                                  "parent 330502100")
    assert "100% of its area lies outside" in problems[0]


async def test_a_bad_file_leaves_a_loaded_grid_untouched(
    session_factory: SessionFactory, demo: dict[str, Any]
) -> None:
    await run(session_factory, demo)
    find(demo, "330500")[1]["properties"]["name"] = "湖州"
    find(demo, "330502100002")[1]["properties"]["parent"] = "NOPE"
    problems = await refused(session_factory, demo)
    assert any("unknown parent NOPE" in p for p in problems)


async def test_unknown_parent_wrong_level_duplicates_and_unknown_source_are_all_named(
    session_factory: SessionFactory, demo: dict[str, Any]
) -> None:
    orphan, feat = find(demo, "330503100001")
    feat["properties"]["parent"] = "999999"
    skipped, feat = find(demo, "330521100001")
    feat["properties"]["parent"] = "330521"  # a village under a county
    demo["features"].append(copy.deepcopy(demo["features"][orphan]))
    demo["features"].append({"type": "Feature", "geometry": rect(120.0, 30.5, 120.01, 30.51),
                             "properties": {"kind": "zone", "source": "WS-NONE",
                                            "grade": "grade1"}})
    problems = "\n".join(await refused(session_factory, demo))
    assert f"features[{orphan}] 330503100001 南浔西南村: unknown parent 999999" in problems
    assert (f"features[{skipped}] 330521100001 莫干山西南村: parent 330521 is a county, "
            "but a village's parent must be a township") in problems
    assert f"duplicate cell 330503100001, also at features[{orphan}]" in problems
    assert "WS-NONE/grade1: unknown water source WS-NONE" in problems


async def test_a_bow_tie_polygon_is_refused_with_the_reason(
    session_factory: SessionFactory, demo: dict[str, Any]
) -> None:
    index, feat = find(demo, "330522100001")
    feat["geometry"] = {"type": "Polygon", "coordinates": [
        [[119.87, 30.97], [119.90, 31.00], [119.90, 30.97], [119.87, 31.00], [119.87, 30.97]]]}
    problems = await refused(session_factory, demo)
    assert len(problems) == 1
    assert problems[0].startswith(f"features[{index}] 330522100001")
    assert "invalid geometry: Self-intersection" in problems[0]


async def test_points_and_swapped_coordinates_are_refused(
    session_factory: SessionFactory, demo: dict[str, Any]
) -> None:
    i, feat = find(demo, "330523100001")
    feat["geometry"] = {"type": "Point", "coordinates": [119.68, 30.63]}
    j, feat = find(demo, "330523100002")
    feat["geometry"] = rect(30.58, 119.68, 30.64, 119.75)  # latitude first
    problems = await refused(session_factory, demo)
    assert problems[0] == (f"features[{i}] 330523100001 递铺西南社区: geometry must be a Polygon "
                           "or MultiPolygon, not Point")
    assert problems[1].startswith(f"features[{j}] 330523100002")
    assert "longitude first" in problems[1]


async def test_overlapping_villages_are_imported_with_a_warning(
    session_factory: SessionFactory, demo: dict[str, Any]
) -> None:
    _, feat = find(demo, "330502102001")  # 织里镇 south-west quarter: 120.05-120.135, 30.88-30.94
    feat["geometry"] = rect(120.05, 30.88, 120.16, 30.94)  # reaches into its east neighbour
    report = await run(session_factory, demo)
    assert report.counts["cell"].created == 87
    assert len(report.warnings) == 1
    warning = report.warnings[0]
    assert "330502102001" in warning and "330502102002" in warning
    assert "village cells" in warning and "overlap" in warning
    assert f"warning: {warning}" in report.lines()


async def test_a_broken_township_is_named_once_not_blamed_on_its_villages(
    session_factory: SessionFactory, demo: dict[str, Any]
) -> None:
    index, feat = find(demo, "330503101")  # 双林镇, with four villages
    feat["geometry"] = {"type": "Polygon", "coordinates": [
        [[120.22, 30.72], [120.35, 30.85], [120.35, 30.72], [120.22, 30.85], [120.22, 30.72]]]}
    problems = await refused(session_factory, demo)
    assert len(problems) == 1
    assert problems[0].startswith(f"features[{index}] 330503101 双林镇: invalid geometry")


async def test_codes_too_long_and_sources_off_the_map_are_refused(
    session_factory: SessionFactory, demo: dict[str, Any]
) -> None:
    i, feat = find(demo, "330523103001")
    feat["properties"]["code"] = "X" * 40
    j, feat = find(demo, "WS-FS")
    feat["geometry"] = {"type": "Point", "coordinates": [30.56, 119.56]}  # latitude first
    problems = await refused(session_factory, demo)
    assert len(problems) == 2  # the reservoir's zones are not blamed for it
    assert problems[0].startswith(f"features[{i}] {'X' * 40}")
    assert "code must be at most 32 characters" in problems[0]
    assert problems[1] == (f"features[{j}] WS-FS 赋石水库: a water source's geometry must be a "
                           "Point (longitude, latitude) or null")
