"""The Open311 server in the test's own loop (aiohttp's TestClient), a client system's key,
and a point inside a grid cell, for the Open311 and feed tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import shapely
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.open311 import Open311App
from models import Case, CaseEvent, GridCell, Outbox, utcnow
from models.db import SessionFactory
from services.open311 import create_key
from services.reports import Locator
from services.settings import Settings


@asynccontextmanager
async def open311_client(settings: Settings, sessions: SessionFactory, grid: Locator
                         ) -> AsyncIterator[TestClient[object, object]]:
    app = Open311App(settings, sessions, grid).build()
    async with TestClient(TestServer(app)) as client:
        yield client


async def new_key(sessions: SessionFactory, name: str = "12345 hotline") -> str:
    async with sessions() as session:
        _row, key = await create_key(session, name, utcnow())
        await session.commit()
    return key


async def point_in(sessions: SessionFactory, code: str) -> tuple[float, float]:
    """(lat, lon) of a point inside the cell `code`."""
    async with sessions() as session:
        wkt = await session.scalar(select(GridCell.boundary_wkt).where(GridCell.code == code))
    assert wkt is not None
    inside = shapely.from_wkt(wkt).representative_point()
    return float(inside.y), float(inside.x)


async def counts(sessions: SessionFactory) -> tuple[int, int, int]:
    """(cases, case events, notices): what a refused call must leave as it was."""
    async with sessions() as session:
        return (
            int(await session.scalar(select(func.count()).select_from(Case)) or 0),
            int(await session.scalar(select(func.count()).select_from(CaseEvent)) or 0),
            int(await session.scalar(select(func.count()).select_from(Outbox)) or 0),
        )
