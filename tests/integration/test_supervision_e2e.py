"""End to end on the emulated Telegram, deadlines in seconds: a reminder, an extension asked
for and approved from the buttons, escalation village -> township -> county, a 督办单 card
acknowledged from its button (the card, the .docx, then the words); every step a CaseEvent."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.runtime.chores import run_sweep
from models import (
    Case,
    CaseEvent,
    GridCell,
    Member,
    OrderState,
    Role,
    Stage,
    SupervisionOrder,
    utcnow,
)
from models.db import SessionFactory
from services.deadlines import start_stage
from services.settings import Settings
from tests.support.deadlines_world import seconds_settings
from tests.support.harness import SimUser, TelegramHarness

VILLAGE, TOWNSHIP, COUNTY = "330502100004", "330502100", "330502"


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    """Overrides the shared fixture, so the bot under test runs with 100-second deadlines."""
    return seconds_settings(db_url, tmp_path, seconds=100)


async def _member(h: TelegramHarness, user: SimUser, role: Role, code: str,
                  language: str = "en") -> int:
    """The user opens the chat with /start, then gets a role (as an invite would give)."""
    await h.send_text(user, "/start")
    sessions: SessionFactory = h.app.bot_data["deps"].sessions
    async with sessions() as s:
        cell = await s.scalar(select(GridCell).where(GridCell.code == code))
        member = await s.scalar(select(Member).where(Member.platform_user_id == str(user.id)))
        assert cell is not None and member is not None
        member.role, member.cell_id, member.language = role, cell.id, language
        await s.commit()
        return member.id


async def send_notices(h: TelegramHarness) -> None:
    """The outbox job, run now: the queued notices reach the chats."""
    await h.run_jobs(name="outbox")


def _texts(h: TelegramHarness, user: SimUser) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in h.messages_to(user)]


def _find(h: TelegramHarness, user: SimUser, needle: str) -> dict[str, Any]:
    for message in reversed(h.messages_to(user)):
        if needle in (message.get("text") or message.get("caption") or ""):
            return message
    raise AssertionError(f"no message with {needle!r} to {user.name}: {_texts(h, user)}")


async def test_reminder_extension_escalation_and_order_through_the_bot(
    bot_harness: TelegramHarness, settings: Settings
) -> None:
    h = bot_harness
    sessions: SessionFactory = h.app.bot_data["deps"].sessions
    village_user, township_user = h.user("Village", "en"), h.user("Township", "en")
    county_user, leader_user = h.user("County", "en"), h.user("Leader", "zh-hans")
    await _member(h, village_user, Role.MANAGER, VILLAGE)
    await _member(h, township_user, Role.MANAGER, TOWNSHIP)
    await _member(h, county_user, Role.MANAGER, COUNTY)
    leader_id = await _member(h, leader_user, Role.LEADER, COUNTY, "zh_CN")
    start = utcnow()
    async with sessions() as s:
        cell = await s.scalar(select(GridCell).where(GridCell.code == VILLAGE))
        assert cell is not None
        from models import WaterSource

        source = await s.scalar(select(WaterSource).where(WaterSource.code == "WS-LHT"))
        assert source is not None
        source.leader_id = leader_id
        case = Case(number="HZ-2026-000042", category="garbage", severity="medium", lat=30.79,
                    lon=119.96, origin_cell_id=cell.id, cell_id=cell.id,
                    water_source_id=source.id, state="submitted", created_at=start)
        start_stage(case, Stage.ACCEPT, settings, start)
        s.add(case)
        await s.commit()
        case_id = case.id

    async def sweep_at(moment: datetime) -> None:
        await run_sweep(sessions, settings, moment)
        await send_notices(h)

    # 1. The 50% reminder reaches the village manager, with a button to ask for more time.
    await sweep_at(start + timedelta(seconds=55))
    reminder = _find(h, village_user, "Reminder: case HZ-2026-000042")

    # 2. More time: how long, then why; the township (the level above) approves.
    await h.press(village_user, reminder, "Ask for more time")
    await h.press(village_user, h.last_message(village_user), "1 more day")
    assert "Why do you need more time" in h.last_message(village_user)["text"]
    await h.send_text(village_user, "The road to the reservoir is flooded")
    assert "sent to the level above" in h.last_message(village_user)["text"]
    await send_notices(h)
    asked = _find(h, township_user, "asks for more time on case HZ-2026-000042")
    assert "flooded" in asked["text"]
    await h.press(township_user, asked, "Approve")
    await send_notices(h)
    assert "was approved" in h.last_message(village_user)["text"]
    async with sessions() as s:
        case = await s.get(Case, case_id)
        assert case is not None and case.due_at is not None
        assert case.due_at - (start + timedelta(seconds=100)) == timedelta(hours=24)
        first_due = case.due_at

    # 3. Missed: the case climbs to the township, then to the county (and the leader, in zh).
    await sweep_at(first_due)
    assert "was raised from" in _find(h, township_user, "HZ-2026-000042 missed")["text"]
    async with sessions() as s:
        case = await s.get(Case, case_id)
        assert case is not None and case.due_at is not None
        second_due = case.due_at
    await sweep_at(second_due)
    _find(h, county_user, "HZ-2026-000042 missed")
    assert any("超过" in text for text in _texts(h, leader_user))

    # 4. The second miss brought a 督办单: an image card with the order, acknowledged by button.
    order_message = _find(h, county_user, "Supervision order 湖水督〔")
    sent = h.messages_to(county_user)
    at = sent.index(order_message)  # the image card, the .docx, then the words and buttons
    assert sent[at - 2].get("photo"), "the order is sent as an image card"
    assert sent[at - 1]["document"]["file_name"].endswith(".docx")
    assert any("督办单" in text for text in _texts(h, leader_user))
    await h.press(county_user, order_message, "Acknowledge")
    async with sessions() as s:
        order = await s.scalar(select(SupervisionOrder))
        assert order is not None and order.state == OrderState.ACKNOWLEDGED
        kinds = list(await s.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case_id)
                                     .order_by(CaseEvent.id)))
    assert kinds == ["reminded", "extension_requested", "extension_approved", "escalated",
                     "escalated", "supervision_order", "supervision_order_acknowledged"]


async def _forge(h: TelegramHarness, user: SimUser, data: str) -> dict[str, Any] | None:
    """Press a button that was never shown to `user`, with callback data of our making."""
    own = h.messages_to(user)[-1]
    query_id = h.emulator.users.press(user.id, user.id, own["message_id"], data)
    await h.flush()
    return h.callback_answer(query_id)


async def test_take_over_by_button_forged_and_stale_presses_and_the_bulletin(
    bot_harness: TelegramHarness, settings: Settings
) -> None:
    h = bot_harness
    sessions: SessionFactory = h.app.bot_data["deps"].sessions
    village_user, township_user = h.user("Village", "en"), h.user("Township", "en")
    supervisor_user = h.user("Supervisor", "en")
    await _member(h, village_user, Role.MANAGER, VILLAGE)
    township_id = await _member(h, township_user, Role.MANAGER, TOWNSHIP)
    await _member(h, supervisor_user, Role.SUPERVISOR, COUNTY)
    start = utcnow() - timedelta(seconds=150)
    async with sessions() as s:
        cell = await s.scalar(select(GridCell).where(GridCell.code == VILLAGE))
        assert cell is not None
        case = Case(number="HZ-2026-000077", category="outfall", severity="high", lat=30.79,
                    lon=119.96, origin_cell_id=cell.id, cell_id=cell.id, state="submitted",
                    created_at=start)
        start_stage(case, Stage.ACCEPT, settings, start)
        s.add(case)
        await s.commit()
        case_id = case.id
    await run_sweep(sessions, settings, utcnow())  # 50 s late: lifted to the township
    await send_notices(h)
    alert = _find(h, township_user, "HZ-2026-000077 missed")

    # A village manager forging "take over" on a case now held by the township is refused.
    answer = await _forge(h, village_user, f"sv:tko:{case_id}")
    assert answer is not None and "cell above can take the case over" in answer["text"]

    await h.press(township_user, alert, "Take over")
    async with sessions() as s:
        held = await s.get(Case, case_id)
        assert held is not None and held.assignee_id == township_id
    # "Take over" is gone from the alert (the case is theirs now); handing it back down is
    # still theirs to do. Pressing the old data again says why not.
    markup = h.messages_to(township_user)[-1].get("reply_markup") or {}
    assert [b["text"] for row in markup.get("inline_keyboard", []) for b in row] == [
        "Hand back down"]
    again = await _forge(h, township_user, f"sv:tko:{case_id}")
    assert again is not None and again["text"] == "You already hold this case."

    # A second case in the village, past its deadline and not swept yet: the supervisor's
    # bulletin for the county lists it (the first one has a new deadline), the village's too.
    async with sessions() as s:
        late = Case(number="HZ-2026-000078", category="garbage", severity="low", lat=30.79,
                    lon=119.96, origin_cell_id=cell.id, cell_id=cell.id, state="accepted",
                    created_at=start)
        start_stage(late, Stage.PLAN, settings, start)
        s.add(late)
        await s.commit()
    await h.send_text(supervisor_user, "/bulletin 7")
    text = h.last_message(supervisor_user)["text"]
    assert "Supervision bulletin" in text and "Overdue cases: 1" in text
    assert "HZ-2026-000078" in text and "HZ-2026-000077" not in text
    assert f"HZ-2026-000078 · {cell.name} · owner:" in text  # the cell by name, not "?"
    await h.send_text(village_user, "/bulletin")
    assert "HZ-2026-000078" in h.last_message(village_user)["text"]
