"""A patrol walked through the sandbox: the demo GPX track along 老虎潭水库 (data/demo,
made by make_patrol_gpx.py) replayed as one live location and its moves, each with the
track's own time; the demo checkpoints loaded from their grid file; the patrol as stored."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import gpxpy
from sqlalchemy import func, select, update

from models import Member, Patrol, PatrolPoint
from services.grid import import_grid
from tests.support.harness import SimUser, TelegramHarness
from tests.support.report_world import VILLAGE, add_manager, deps, press

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"
GPX = DEMO / "laohutan-patrol.gpx"
CHECKPOINTS = DEMO / "laohutan-checkpoints.geojson"
SOURCE = "老虎潭水库"
LIVE_PERIOD = 8 * 3600


@dataclass(frozen=True)
class TrackPoint:
    lat: float
    lon: float
    at: datetime


def demo_track() -> tuple[list[TrackPoint], float]:
    """The GPX's points and its own 2D length in metres (gpxpy's)."""
    gpx = gpxpy.parse(GPX.read_text(encoding="utf-8"))
    points = [TrackPoint(p.latitude, p.longitude, p.time) for p in gpx.walk(only_points=True)
              if p.time is not None]
    return points, float(gpx.length_2d())


async def load_checkpoints(h: TelegramHarness) -> None:
    async with deps(h).sessions() as session:
        await import_grid(session, json.loads(CHECKPOINTS.read_text(encoding="utf-8")))
        await session.commit()


async def patroller(h: TelegramHarness, uid: int = 3001, name: str = "巡查员甲",
                    language: str = "zh_CN") -> SimUser:
    """A village cadre of 妙西东北村 (who speaks Chinese, unless told)."""
    await add_manager(deps(h).sessions, uid, name, VILLAGE)
    async with deps(h).sessions() as s:
        await s.execute(update(Member).where(Member.platform_user_id == str(uid))
                        .values(language=language))
        await s.commit()
    user = h.user(name, user_id=uid, language_code="zh-hans" if language == "zh_CN" else "en")
    await h.send_text(user, "/start")
    return user


async def choose_source(h: TelegramHarness, user: SimUser, source: str = SOURCE) -> None:
    await h.send_text(user, "/patrol")
    await press(h, user, source)


async def share(h: TelegramHarness, user: SimUser, point: TrackPoint,
                accuracy: float = 8.0) -> dict[str, Any]:
    """The first point: a live location shared at the track's first time."""
    sent = h.emulator.users.send_location(user.id, point.lat, point.lon, live_period=LIVE_PERIOD,
                                          accuracy=accuracy, at=int(point.at.timestamp()))
    await h.flush()
    return sent


async def move(h: TelegramHarness, user: SimUser, live: dict[str, Any], points: list[TrackPoint],
               *, accuracy: float = 8.0, stop_at_end: bool = False,
               extra: dict[int, tuple[TrackPoint, float]] | None = None) -> None:
    """Each point as a move of the live location; `extra[i]`: a point (and its accuracy)
    sent just after points[i]; the last move stops the sharing when `stop_at_end`."""
    for index, point in enumerate(points):
        last = index == len(points) - 1
        h.emulator.users.move_live_location(
            user.id, live["chat"]["id"], live["message_id"], point.lat, point.lon,
            accuracy=accuracy, at=int(point.at.timestamp()), stop=stop_at_end and last)
        if extra and index in extra:
            odd, odd_accuracy = extra[index]
            h.emulator.users.move_live_location(
                user.id, live["chat"]["id"], live["message_id"], odd.lat, odd.lon,
                accuracy=odd_accuracy, at=int(odd.at.timestamp()))
        if index % 25 == 0:
            await h.flush()
    await h.flush()


async def stored_patrol(h: TelegramHarness) -> tuple[Patrol, int]:
    """The latest patrol and how many points it has in the database."""
    async with deps(h).sessions() as s:
        patrol = await s.scalar(select(Patrol).order_by(Patrol.id.desc()).limit(1))
        assert patrol is not None
        count = await s.scalar(select(func.count()).select_from(PatrolPoint)
                               .where(PatrolPoint.patrol_id == patrol.id))
        return patrol, int(count or 0)
