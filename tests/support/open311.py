"""The Open311 server on a free port in the test's own loop and a client that reads each answer
whole, a client system's key, and a point inside a grid cell, for the Open311 and feed tests."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
import shapely
from sqlalchemy import func, select

from bot.open311 import Open311Server
from models import Case, CaseEvent, GridCell, Outbox, utcnow
from models.db import SessionFactory
from services.open311 import create_key
from services.reports import Locator
from services.settings import Settings


@dataclass(frozen=True)
class Reply:
    """One answer, read whole (so no response is left open)."""

    status: int
    content_type: str
    body: bytes

    async def read(self) -> bytes:
        return self.body

    async def text(self) -> str:
        return self.body.decode("utf-8")

    async def json(self) -> Any:
        return json.loads(self.body)


class Client:
    """GETs carry `api_key` (when given) unless the call names its own."""

    def __init__(self, http: aiohttp.ClientSession, base: str, api_key: str = "") -> None:
        self.http, self.base, self.api_key = http, base, api_key

    async def get(self, path: str, params: Mapping[str, str] | None = None) -> Reply:
        query = dict(params or {})
        if self.api_key:
            query.setdefault("api_key", self.api_key)
        async with self.http.get(self.base + path, params=query) as response:
            return Reply(response.status, response.content_type, await response.read())

    async def post(self, path: str, data: Mapping[str, str]) -> Reply:
        async with self.http.post(self.base + path, data=data) as response:
            return Reply(response.status, response.content_type, await response.read())


@asynccontextmanager
async def open311_client(settings: Settings, sessions: SessionFactory, grid: Locator,
                         api_key: str = "") -> AsyncIterator[Client]:
    """The real server (bot.open311.Open311Server) on a free port, and a client of it."""
    server = Open311Server(settings, sessions, grid, port=0)
    await server.start()
    try:
        async with aiohttp.ClientSession() as http:
            yield Client(http, f"http://{server.listen}:{server.port}", api_key)
    finally:
        await server.stop()


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
