"""A restart in the middle of a button's conversation loses nothing: a plan half answered, the
reason for more time, are finished on a new Application over the same database (SQLite and
PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.runtime.chores import run_sweep
from bot.telegram.app import build_application
from models import Case, ExtensionRequest, GridCell, PendingAction, Stage, utcnow
from services.deadlines import start_stage
from services.settings import Settings
from tests.support.cases import person, report_a_case, send_outbox
from tests.support.deadlines_world import seconds_settings
from tests.support.harness import EmulatorRequest, TelegramHarness
from tests.support.report_world import VILLAGE, deps, press, texts, with_button


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    """Deadlines of 100 seconds, so a reminder (with its "more time" button) comes at once."""
    return seconds_settings(db_url, tmp_path, seconds=100)


@asynccontextmanager
async def restarted(h: TelegramHarness) -> AsyncIterator[TelegramHarness]:
    """The running Application is gone; a new one starts on the same database and Telegram."""
    d = deps(h)
    await h.app.shutdown()
    fresh = build_application(d.settings, d.sessions, request=EmulatorRequest(h.emulator),
                              get_updates_request=EmulatorRequest(h.emulator))
    async with TelegramHarness(h.emulator, fresh) as again:
        yield again
    await h.app.initialize()  # the fixture shuts it down again on the way out


async def test_a_plan_half_answered_is_finished_after_a_restart(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    manager = await person(h, 5001, "Village manager", VILLAGE)
    volunteer = await person(h, 6001, "Volunteer")
    case = await report_a_case(h, volunteer)
    await send_outbox(h)
    await h.press(manager, with_button(h, manager, "Accept"), "Accept")
    await press(h, manager, "Rectification plan")
    await h.send_text(manager, "Clear the dump")
    await h.send_text(manager, "Haul away; put up a sign")
    assert "3 of 4" in texts(h, manager)[-1]

    async with restarted(h) as again:
        await again.send_text(manager, "Wang Wu")
        assert "4 of 4" in texts(again, manager)[-1]
        await again.send_text(manager, "14d")
        await press(again, manager, "✅ Save the plan")
        card = with_button(again, manager, "Fixed (after-photo)")
        assert "Wang Wu" in card["text"] and "being rectified" in card["text"]

    async with deps(h).sessions() as s:
        stored = await s.get(Case, case.id)
        assert stored is not None and stored.plan_task == "Clear the dump"
        assert stored.plan_steps == "Haul away; put up a sign"
        assert (await s.scalars(select(PendingAction))).first() is None  # the flow is over


async def test_a_cancelled_flow_stays_cancelled_after_a_restart(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    manager = await person(h, 5001, "Village manager", VILLAGE)
    volunteer = await person(h, 6001, "Volunteer")
    await report_a_case(h, volunteer)
    await send_outbox(h)
    await h.press(manager, with_button(h, manager, "Accept"), "Accept")
    await press(h, manager, "Rectification plan")
    await h.send_text(manager, "/cancel")
    assert "is unchanged" in texts(h, manager)[-1]
    async with restarted(h) as again:
        before = len(again.messages_to(manager))
        await again.send_text(manager, "Wang Wu")
        assert not any("of 4" in t for t in texts(again, manager, before))


async def test_the_reason_for_more_time_is_taken_after_a_restart(
    bot_harness: TelegramHarness, settings: Settings
) -> None:
    h = bot_harness
    sessions = deps(h).sessions
    manager = await person(h, 5001, "Village manager", VILLAGE)
    start = utcnow()
    async with sessions() as s:
        cell = await s.scalar(select(GridCell).where(GridCell.code == VILLAGE))
        assert cell is not None
        case = Case(number="HZ-2026-000042", category="garbage", severity="medium", lat=30.79,
                    lon=119.96, origin_cell_id=cell.id, cell_id=cell.id, state="submitted",
                    created_at=start)
        start_stage(case, Stage.ACCEPT, settings, start)
        s.add(case)
        await s.commit()
    await run_sweep(sessions, settings, start + timedelta(seconds=55))
    await send_outbox(h)
    await press(h, manager, "Ask for more time")
    await press(h, manager, "1 more day")
    assert "Why do you need more time" in texts(h, manager)[-1]

    async with restarted(h) as again:
        await again.send_text(manager, "The road to the reservoir is flooded")
        assert "sent to the level above" in texts(again, manager)[-1]

    async with sessions() as s:
        asked = (await s.scalars(select(ExtensionRequest))).one()
        assert asked.reason == "The road to the reservoir is flooded"
