"""Cases as open data: the GeoJSON feed opens with Shapely and its points route back to the
same cells (a measured point, and a village chosen from the list); CSV alike; from the API
(a key needed unless open311.public_reads) and from `gridpatrol feed`, scoped by cell and
period; no reporter in either, anonymous or not. `gridpatrol open311 key` makes, lists and
revokes the keys."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import shape
from sqlalchemy import select

from bot.cli.main import main
from models import Case, GridCell, Level, Open311Key, utcnow
from models.db import SessionFactory
from services.grid import GridIndexHolder, import_grid
from services.open311 import COLUMNS, key_hash
from services.settings import Settings
from tests.support.cli import config
from tests.support.ledger import WUXING, WUXING_VILLAGE
from tests.support.open311 import new_key, open311_client, point_in
from tests.support.report_world import add_manager

REPORTER = "王小明"


async def _main(argv: list[str]) -> int:
    return await asyncio.to_thread(main, argv)


async def _world(sessions: SessionFactory, collection: dict[str, Any]) -> GridIndexHolder:
    """The demo grid, a reported case (a named reporter who asked to stay anonymous) in one
    village and a case placed by choosing another village (no point) a month ago."""
    async with sessions() as session:
        await import_grid(session, collection)
        await session.commit()
        grid = GridIndexHolder()
        await grid.reload(session)
    reporter = await add_manager(sessions, 7001, REPORTER, WUXING_VILLAGE)
    lat, lon = await point_in(sessions, WUXING_VILLAGE)
    async with sessions() as session:
        village = await session.scalar(select(GridCell).where(GridCell.code == WUXING_VILLAGE))
        other = await session.scalar(select(GridCell).where(
            GridCell.level == Level.VILLAGE, GridCell.code != WUXING_VILLAGE,
            GridCell.code.not_like(f"{WUXING}%")).order_by(GridCell.code))
        assert village is not None and other is not None
        now = utcnow()
        session.add_all([
            Case(number="HZ-2026-000901", category="garbage", severity="medium", lat=lat,
                 lon=lon, origin_cell_id=village.id, cell_id=village.id, reporter_id=reporter,
                 anonymous=True, description="岸边垃圾", created_at=now, updated_at=now),
            Case(number="HZ-2026-000902", category="outfall", severity="high",
                 origin_cell_id=other.id, cell_id=other.id, state="closed",
                 description="排污口", created_at=now - timedelta(days=30),
                 updated_at=now - timedelta(days=29), closed_at=now - timedelta(days=29)),
        ])
        await session.commit()
    return grid


async def test_the_geojson_feed_opens_with_shapely_and_its_points_route_back_to_their_cells(
    settings: Settings, session_factory: SessionFactory, demo_grid_collection: dict[str, Any],
) -> None:
    grid = await _world(session_factory, demo_grid_collection)
    key = await new_key(session_factory)
    async with open311_client(settings, session_factory, grid) as client:
        refused = await client.get("/feeds/cases.geojson")
        assert refused.status == 403 and (await refused.json())[0]["code"] == 403
        response = await client.get("/feeds/cases.geojson", params={"api_key": key})
        assert response.status == 200 and response.content_type == "application/geo+json"
        text = await response.text()
        collection = json.loads(text)
        csv_text = await (await client.get("/feeds/cases.csv",
                                           params={"api_key": key, "cell": WUXING})).text()
        scoped = await (await client.get("/feeds/cases.geojson", params={
            "api_key": key, "since": (utcnow() - timedelta(days=7)).date().isoformat()})).json()
        unknown = await client.get("/feeds/cases.csv", params={"api_key": key, "cell": "9"})
        assert unknown.status == 404
    assert collection["type"] == "FeatureCollection"
    assert sorted(f["id"] for f in collection["features"]) == ["HZ-2026-000901",
                                                               "HZ-2026-000902"]
    async with session_factory() as session:
        codes = {c.id: c.code for c in await session.scalars(select(GridCell))}
    for feature in collection["features"]:
        point = shape(feature["geometry"])
        assert point.geom_type == "Point" and point.is_valid
        place = grid.locate(point.y, point.x)
        assert place.cell_id is not None
        assert codes[place.cell_id] == feature["properties"]["cell_code"]
    assert REPORTER not in text and "reporter" not in text and "7001" not in text

    rows = list(csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff"))))
    assert tuple(rows[0]) == COLUMNS
    assert [r["service_request_id"] for r in rows] == ["HZ-2026-000901"]
    assert rows[0]["cell_code"] == WUXING_VILLAGE and rows[0]["status"] == "open"
    assert REPORTER not in csv_text
    assert [f["id"] for f in scoped["features"]] == ["HZ-2026-000901"]


async def test_cases_may_be_read_without_a_key_when_the_office_says_so(
    settings: Settings, session_factory: SessionFactory, demo_grid_collection: dict[str, Any],
) -> None:
    from dataclasses import replace

    grid = await _world(session_factory, demo_grid_collection)
    public = replace(settings, open311=replace(settings.open311, public_reads=True))
    async with open311_client(public, session_factory, grid) as client:
        assert (await client.get("/feeds/cases.csv")).status == 200
        listed = await (await client.get("/requests.json")).json()
        assert sorted(r["service_request_id"] for r in listed) == ["HZ-2026-000901",
                                                                  "HZ-2026-000902"]
        assert (await client.get("/requests/HZ-2026-000901.json")).status == 200
        assert REPORTER not in (await client.get("/requests.json")).body.decode()
    async with open311_client(settings, session_factory, grid) as client:
        assert (await client.get("/requests/HZ-2026-000901.json")).status == 403


async def test_the_cli_makes_lists_and_revokes_keys_and_writes_the_feeds(
    session_factory: SessionFactory, demo_grid_collection: dict[str, Any], db_url: str,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    await _world(session_factory, demo_grid_collection)
    monkeypatch.setenv("GRIDPATROL_DATABASE_URL", db_url)
    cfg = str(config(tmp_path))
    assert await _main(["--config", cfg, "open311", "key", "create", "12345热线"]) == 0
    key = capsys.readouterr().out.splitlines()[-1]
    async with session_factory() as session:
        row = await session.scalar(select(Open311Key))
        assert row is not None and row.name == "12345热线" and row.key_sha256 == key_hash(key)
    assert await _main(["--config", cfg, "open311", "key", "create", "12345热线"]) == 1
    assert "exists already" in capsys.readouterr().err
    assert await _main(["--config", cfg, "open311", "key", "list"]) == 0
    assert "12345热线" in (out := capsys.readouterr().out) and "active" in out and key not in out
    assert await _main(["--config", cfg, "open311", "key", "revoke", "12345热线"]) == 0
    assert await _main(["--config", cfg, "open311", "key", "revoke", "12345热线"]) == 1
    capsys.readouterr()

    out_file = tmp_path / "cases.geojson"
    assert await _main(["--config", cfg, "feed", "geojson", "--cell", WUXING,
                        "-o", str(out_file)]) == 0
    features = json.loads(out_file.read_text(encoding="utf-8"))["features"]
    assert [f["id"] for f in features] == ["HZ-2026-000901"]
    assert await _main(["--config", cfg, "feed", "csv", "--until",
                        (utcnow() - timedelta(days=7)).date().isoformat()]) == 0
    text = capsys.readouterr().out
    assert "HZ-2026-000902" in text and "HZ-2026-000901" not in text and REPORTER not in text
    assert await _main(["--config", cfg, "feed", "csv", "--since", "yesterday"]) == 1
    assert "--since" in capsys.readouterr().err
