"""The grid questions other parts ask (services/grid.py), over the imported demo grid."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from models import GridCell
from models.db import SessionFactory
from services import grid
from services.demo import DEMO_GRID as DEMO
from services.grid import import_grid


@pytest.fixture
async def loaded(session_factory: SessionFactory) -> SessionFactory:
    async with session_factory() as session:
        await import_grid(session, json.loads(DEMO.read_text(encoding="utf-8")))
        await session.commit()
    return session_factory


async def test_ancestors_and_path_names_run_from_the_city_down(loaded: SessionFactory) -> None:
    async with loaded() as session:
        village = await grid.cell_by_code(session, "330502100004")
        assert village is not None
        above = await grid.ancestors(session, village)
        names = await grid.cell_path_names(session, village.id)
        city = await grid.cell_by_code(session, "330500")
        assert city is not None
        assert await grid.ancestors(session, city) == []
        assert await grid.cell_path_names(session, 10**9) == []
    assert [c.code for c in above] == ["330500", "330502", "330502100"]
    assert names == ["湖州市", "吴兴区", "妙西镇", "妙西东北村"]


async def test_subtree_filter_and_children(loaded: SessionFactory) -> None:
    async with loaded() as session:
        county = await grid.cell_by_code(session, "330502")
        assert county is not None
        under = await session.scalar(
            select(func.count()).select_from(GridCell).where(grid.subtree_filter(county.path)))
        kids = await grid.children(session, county.id)
    # 吴兴区 itself, 4 townships, 4 + 3 + 4 + 2 villages
    assert under == 1 + 4 + 13
    assert [k.name for k in kids] == ["妙西镇", "东林镇", "织里镇", "爱山街道"]


async def test_grid_tree_is_depth_first_with_depths(loaded: SessionFactory) -> None:
    async with loaded() as session:
        whole = await grid.grid_tree(session)
        part = await grid.grid_tree(session, "330502101")
        assert await grid.grid_tree(session, "NOPE") == []
    assert len(whole) == 87
    assert (whole[0][0], whole[0][1].name) == (0, "湖州市")
    assert (whole[1][0], whole[1][1].name) == (1, "吴兴区")
    assert (whole[2][0], whole[2][1].name) == (2, "妙西镇")
    assert (whole[3][0], whole[3][1].code) == (3, "330502100001")
    assert [(d, c.code) for d, c in part] == [
        (0, "330502101"), (1, "330502101001"), (1, "330502101002"), (1, "330502101003")]
    seen: set[int] = set()
    for _, cell in whole:  # every parent comes before its children
        assert cell.parent_id is None or cell.parent_id in seen
        seen.add(cell.id)


async def test_villages_of_a_source_are_those_its_zones_reach(loaded: SessionFactory) -> None:
    async with loaded() as session:
        sources = await grid.list_sources(session)
        by_code = {s.code: s for s in sources}
        laohutan = await grid.villages_of_source(session, by_code["WS-LHT"].id)
        assert await grid.villages_of_source(session, 10**9) == []
    assert [s.code for s in sources] == ["WS-DHK", "WS-FS", "WS-HX", "WS-LHT", "WS-LSK"]
    codes = [v.code for v in laohutan]
    assert "330502100004" in codes  # the village the reservoir sits in
    assert all(code.startswith("330502100") for code in codes)  # nothing beyond 妙西镇
