"""Patrol points a process records: 300 patrollers walking at once, one point each in turn,
each point in its own unit of work as the chat does it (the member found, their open patrol
and its source's checkpoints read, the point flagged or measured, inserted, the patrol
updated, committed), against one bare INSERT of the same row and a commit, on a migrated
SQLite file with the same engine. Goal: hundreds of patrollers at a point every few seconds."""

from __future__ import annotations

import asyncio
import math
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from bench.common import Figure
from bot.config import load_settings
from models import Checkpoint, Member, Patrol, PatrolState, WaterSource
from models.db import make_engine, make_session_factory
from services.database import upgrade
from services.members import find_member
from services.patrols import Fix, active, checkpoints_of, record

ROOT = Path(__file__).resolve().parent.parent
PATROLLERS = 300
ROUNDS = 10  # points per patroller
EVERY_S = 5  # a point every 5 s each: 60 points a second in all
T0 = datetime(2026, 11, 3, 1, 30, tzinfo=UTC)
BARE = ("INSERT INTO patrol_point (patrol_id, at, lat, lon, accuracy_m, heading, flag, gap_s, "
        "step_m) VALUES (:p, :at, :lat, :lon, 8.0, NULL, NULL, NULL, 0.0)")


def _where(i: int, n: int) -> tuple[float, float]:
    angle = n * 6.0 / 600 + i * 0.01
    return 30.785 + 600 * math.sin(angle) / 111_320, 119.96 + 600 * math.cos(angle) / 95_800


async def _measure(workdir: Path) -> tuple[float, float]:
    url = f"sqlite:///{workdir / 'patrol.db'}"
    await asyncio.to_thread(upgrade, url)
    settings = load_settings(ROOT / "config.toml").patrols
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    async with sessions() as s:
        source = WaterSource(code="WS-B", name="bench")
        s.add(source)
        await s.flush()
        for k in range(3):
            s.add(Checkpoint(source_id=source.id, code=f"CP{k}", name=f"cp{k}", kind="sign",
                             lat=30.785 + 0.001 * k, lon=119.966, radius_m=50))
        members = [Member(platform="telegram", platform_user_id=str(5000 + i),
                          chat_id=str(5000 + i), display_name=f"p{i}", role="patroller",
                          language="zh_CN") for i in range(PATROLLERS)]
        s.add_all(members)
        await s.flush()
        patrols = [Patrol(member_id=m.id, source_id=source.id, level="village",
                          state=PatrolState.WAITING, passed=[]) for m in members]
        s.add_all(patrols)
        await s.commit()
        patrol_ids = [p.id for p in patrols]

    async def point(i: int, n: int) -> None:
        async with sessions() as s:
            member = await find_member(s, "telegram", str(5000 + i))
            assert member is not None
            patrol = await active(s, member.id)
            assert patrol is not None
            lat, lon = _where(i, n)
            record(s, patrol, Fix(lat, lon, T0 + timedelta(seconds=n * EVERY_S), 8.0),
                   settings, await checkpoints_of(s, patrol.source_id))
            await s.commit()

    async def bare(i: int, n: int) -> None:
        async with engine.connect() as conn:
            lat, lon = _where(i, n)
            await conn.execute(text(BARE), {"p": patrol_ids[i], "lat": lat, "lon": lon,
                                            "at": (T0 + timedelta(seconds=n)).replace(
                                                tzinfo=None)})
            await conn.commit()

    async def rate(fn: Callable[[int, int], Awaitable[None]]) -> float:
        start = time.perf_counter()
        for n in range(ROUNDS):
            for i in range(PATROLLERS):
                await fn(i, n)
        return PATROLLERS * ROUNDS / (time.perf_counter() - start)

    baseline = await rate(bare)
    ours = await rate(point)
    await engine.dispose()
    return ours, baseline


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp:
        ours, baseline = asyncio.run(_measure(Path(tmp)))
    need = PATROLLERS / EVERY_S
    return [
        Figure(name="patrol: points/s recorded vs a bare INSERT + commit", ours=ours,
               baseline=baseline, unit="pts/s", goal=0.2, kind="rate",
               note=(f"{PATROLLERS} patrollers, {ROUNDS} points each, one unit of work a point "
                     "(member, open patrol, checkpoints, insert, update, commit), aiosqlite")),
        Figure(name=f"patrol: points/s vs {PATROLLERS} patrollers at one point per {EVERY_S} s",
               ours=ours, baseline=need, unit="pts/s", goal=1.0, kind="rate"),
    ]


if __name__ == "__main__":
    for figure in run():
        print(f"{figure.name}: {figure.ours:.4g} vs {figure.baseline:.4g} {figure.unit} "
              f"(ratio {figure.ratio:.2f}, goal {figure.goal:g}, met: {figure.met})")
