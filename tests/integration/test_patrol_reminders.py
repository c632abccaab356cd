"""A water source that has had no counting patrol in its rule's period reminds the managers of
its cell: on the period's last day and once when it has passed, once however often the sweep
runs; none after a counting patrol, none out of season (a village's rule: March to December)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.runtime.chores import run_sweep
from handlers.notices.table import RENDERERS
from models import Member, Outbox, Patrol, PatrolState, WaterSource
from models.db import SessionFactory
from services.digests import queue_digests
from services.notices.kinds import load
from services.patrols import Verdict, period_of
from services.settings import Settings
from tests.support.problems import demo_world
from tests.support.settings import make_settings

TZ = ZoneInfo("Asia/Shanghai")
SUNDAY = datetime(2026, 10, 11, 9, 0, tzinfo=TZ).astimezone(UTC)  # a week's last day
SOURCE = "老虎潭水库"
SAID = "老虎潭水库本周尚未完成规定巡查（每 7 天至少 1 次，30 分钟、2 公里），请安排巡查。"


async def _seen(sessions: SessionFactory, settings: Settings) -> list[tuple[int | None, str]]:
    """(recipient, text) of the patrol reminders naming 老虎潭水库, as rendered."""
    seen = []
    async with sessions() as session:
        for row in await session.scalars(select(Outbox).where(Outbox.kind == "patrol_due")
                                          .order_by(Outbox.id)):
            notice = load(row.kind, row.payload)
            member = await session.get(Member, row.recipient_id)
            if member is not None:
                member.language = "zh_CN"
            card = await RENDERERS[type(notice)](session, notice, row, member, settings)
            if card is not None and SOURCE in card.text:
                seen.append((row.recipient_id, card.text))
    return seen


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    """The reminders on, as config.toml ships them (the other tests leave them off)."""
    return make_settings(db_url, tmp_path, patrols={"remind_missed": True})


async def test_a_missed_patrol_reminds_the_cells_manager_once(
    settings: Settings, session_factory: SessionFactory, demo_grid_collection: dict[str, Any],
) -> None:
    assert period_of(SUNDAY.astimezone(TZ).date(), 7)[1] == SUNDAY.astimezone(TZ).date()
    manager = await demo_world(session_factory, demo_grid_collection)
    await run_sweep(session_factory, settings, SUNDAY)
    await run_sweep(session_factory, settings, SUNDAY + timedelta(hours=1))
    seen = await _seen(session_factory, settings)
    assert seen == [(manager, SAID)]
    await run_sweep(session_factory, settings, SUNDAY + timedelta(days=1))  # it has passed
    await run_sweep(session_factory, settings, SUNDAY + timedelta(days=1, hours=2))
    seen = await _seen(session_factory, settings)
    assert len(seen) == 2 and "上一周期未完成规定巡查" in seen[1][1]


async def test_no_reminder_after_a_counting_patrol_nor_out_of_season(
    settings: Settings, session_factory: SessionFactory, demo_grid_collection: dict[str, Any],
) -> None:
    manager = await demo_world(session_factory, demo_grid_collection)
    february = datetime(2026, 2, 1, 9, 0, tzinfo=TZ).astimezone(UTC)  # a Sunday
    await run_sweep(session_factory, settings, february)
    assert await _seen(session_factory, settings) == []
    async with session_factory() as session:
        source = await session.scalar(select(WaterSource).where(WaterSource.name == SOURCE))
        assert source is not None
        session.add(Patrol(member_id=manager, source_id=source.id, level="village",
                           state=PatrolState.CLOSED, verdict=str(Verdict.COUNTS),
                           started_at=SUNDAY - timedelta(days=2),
                           ended_at=SUNDAY - timedelta(days=2) + timedelta(minutes=40)))
        await session.commit()
    await run_sweep(session_factory, settings, SUNDAY)
    await run_sweep(session_factory, settings, SUNDAY + timedelta(days=1))
    assert await _seen(session_factory, settings) == []


async def test_a_quiet_cells_digest_says_its_patrol_is_missing(
    settings: Settings, session_factory: SessionFactory, demo_grid_collection: dict[str, Any],
) -> None:
    manager = await demo_world(session_factory, demo_grid_collection)  # no case anywhere
    async with session_factory() as session:
        member = await session.get(Member, manager)
        assert member is not None
        member.language = "zh_CN"
        await session.commit()
    async with session_factory() as session:
        await queue_digests(session, settings, SUNDAY)
        await session.commit()
    async with session_factory() as session:
        rows = list(await session.scalars(select(Outbox).where(
            Outbox.kind == "digest", Outbox.recipient_id == manager)))
        assert len(rows) == 1
        card = await RENDERERS[type(load(rows[0].kind, rows[0].payload))](
            session, load(rows[0].kind, rows[0].payload), rows[0], member, settings)
    assert card is not None
    assert "缺少巡查" in card.text and "❌ 老虎潭水库：最近 7 天有效巡查 0 次" in card.text
