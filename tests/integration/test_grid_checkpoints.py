"""Checkpoints in the grid file: loaded per water source and counted, imported twice to no
change, and refused (with everything else in the file) when bad or of an unknown source."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from sqlalchemy import select

from models import Checkpoint
from models.db import SessionFactory
from services.demo import DEMO_GRID
from services.grid import GridImportError, import_grid
from tests.support.patrols import CHECKPOINTS


def collection() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(CHECKPOINTS.read_text(encoding="utf-8"))
    return data


async def test_checkpoints_load_with_their_source_and_twice_change_nothing(
        session_factory: SessionFactory) -> None:
    demo = json.loads(DEMO_GRID.read_text(encoding="utf-8"))
    both = {"type": "FeatureCollection", "features": demo["features"] + collection()["features"]}
    async with session_factory() as session:
        first = await import_grid(session, both)
        await session.commit()
    assert (first.counts["checkpoint"].created, first.counts["checkpoint"].changed) == (3, 0)
    assert "checkpoints: 3 created, 0 changed, 0 unchanged" in first.lines()
    async with session_factory() as session:
        again = await import_grid(session, collection())
        await session.commit()
        rows = list(await session.scalars(select(Checkpoint).order_by(Checkpoint.code)))
    assert not again.wrote_anything and again.counts["checkpoint"].unchanged == 3
    assert [(c.code, c.name, c.kind, c.radius_m) for c in rows] == [
        ("LHT-CP1", "取水口", "intake", 50.0), ("LHT-CP2", "一级保护区界牌", "sign", 50.0),
        ("LHT-CP3", "北岸护栏", "fence", 50.0)]


@pytest.mark.parametrize(("change", "reason"), [
    ({"radius": 0}, "radius must be metres"),
    ({"point": "bridge"}, "point must be one of intake, outfall, sign, fence, other"),
    ({"source": "WS-NONE"}, "unknown water source WS-NONE"),
])
async def test_a_bad_checkpoint_refuses_the_file(
        session_factory: SessionFactory, change: dict[str, Any], reason: str) -> None:
    demo = json.loads(DEMO_GRID.read_text(encoding="utf-8"))
    bad = copy.deepcopy(collection())
    bad["features"][1]["properties"].update(change)
    both = {"type": "FeatureCollection", "features": demo["features"] + bad["features"]}
    async with session_factory() as session:
        with pytest.raises(GridImportError) as refused:
            await import_grid(session, both)
    assert any(reason in problem for problem in refused.value.problems), refused.value.problems
