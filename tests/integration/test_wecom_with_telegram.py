"""One case carried across both chats, on one core and one database: a volunteer on WeCom
reports and the village manager on Telegram gets the alert and accepts it, and the volunteer
hears of it on WeCom; then the reverse, a volunteer on Telegram and a manager on WeCom. Each
channel's sender sends only its own members' notices. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from handlers.deps import Deps
from models import Case, CaseEvent, Member, Outbox
from sandbox.wecom import text as text_message
from services.members import create_invite
from tests.support import images
from tests.support.harness import SimUser, TelegramHarness
from tests.support.report import finish_from_place, volunteer
from tests.support.report_world import IN_GRADE1, VILLAGE, buttons, press
from tests.support.wecom import USER, Stage, file_a_report, open_stage, words

BOSS = "WangWu"


@pytest.fixture
async def stage(bot_harness: TelegramHarness) -> AsyncIterator[Stage]:
    deps: Deps = bot_harness.app.bot_data["deps"]
    async with open_stage(deps, BOSS) as opened:
        yield opened


async def _invite(h: TelegramHarness) -> str:
    deps: Deps = h.app.bot_data["deps"]
    async with deps.sessions() as session:
        invite = await create_invite(session, "manager", VILLAGE)
        await session.commit()
    return invite.code


async def _accepted_by(h: TelegramHarness, number: str) -> tuple[str, str, str]:
    deps: Deps = h.app.bot_data["deps"]
    async with deps.sessions() as session:
        case = await session.scalar(select(Case).where(Case.number == number))
        assert case is not None
        platform, user = (await session.execute(
            select(Member.platform, Member.platform_user_id)
            .join(CaseEvent, CaseEvent.actor_id == Member.id)
            .where(CaseEvent.case_id == case.id, CaseEvent.kind == "accepted"))).one()
    return case.state, platform, user


async def test_a_report_from_wecom_is_accepted_on_telegram_and_the_reporter_told_on_wecom(
    bot_harness: TelegramHarness, stage: Stage,
) -> None:
    h = bot_harness
    manager = h.user("村管理员")
    await h.send_text(manager, f"/start {await _invite(h)}")
    number = await file_a_report(stage)
    assert not stage.wecom.inbox(BOSS)

    await h.run_jobs(name="outbox")  # Telegram's sender: the manager's alert, nothing of WeCom's
    alert = next(m for m in h.messages_to(manager) if number in (m.get("caption") or m.get(
        "text") or "") and "受理" in buttons(m))
    assert any("photo" in m for m in h.messages_to(manager))  # the WeCom photo, uploaded
    await h.press(manager, alert, "受理")
    assert await _accepted_by(h, number) == ("accepted", "telegram", str(manager.id))

    before = len(stage.wecom.inbox(USER))
    assert await stage.channel.send_outbox() >= 1  # WeCom's sender: the reporter's news
    told = words(stage.wecom.inbox(USER)[before:])
    assert number in told and "受理" in told
    deps: Deps = h.app.bot_data["deps"]
    async with deps.sessions() as session:
        rows = (await session.execute(select(Outbox.platform, Outbox.state))).all()
    assert {state for _, state in rows} <= {"sent"}, rows  # each sent, by its own channel


async def _telegram_report(h: TelegramHarness, reporter: SimUser) -> str:
    await h.send_text(reporter, "/report")
    await press(h, reporter, "Dumped garbage")
    await h.send_photo(reporter, images.jpeg(seed=5))
    await press(h, reporter, "✅ Done")
    await h.send_location(reporter, *IN_GRADE1)
    await finish_from_place(h, reporter)
    deps: Deps = h.app.bot_data["deps"]
    async with deps.sessions() as session:
        number = await session.scalar(select(Case.number).order_by(Case.id.desc()))
    assert number is not None and number in h.last_message(reporter)["text"]
    return number


async def test_a_report_from_telegram_is_accepted_on_wecom_and_the_reporter_told_on_telegram(
    bot_harness: TelegramHarness, stage: Stage,
) -> None:
    h = bot_harness
    joined = await stage.say(text_message(stage.app, BOSS, f"/start {await _invite(h)}"), BOSS)
    assert "妙西东北村" in words(joined)
    reporter = await volunteer(h, "Vera")
    number = await _telegram_report(h, reporter)

    before = len(stage.wecom.inbox(BOSS))
    assert await stage.channel.send_outbox() >= 1
    alert = stage.wecom.inbox(BOSS)[before:]
    assert number in words(alert) and any(m.msgtype == "image" for m in alert)
    await stage.press(alert, "受理", BOSS)
    assert await _accepted_by(h, number) == ("accepted", "wecom", BOSS)

    seen = len(h.messages_to(reporter))
    await h.run_jobs(name="outbox")
    news = [m.get("text") or "" for m in h.messages_to(reporter)[seen:]]
    assert any(number in text and "accepted" in text.lower() for text in news), news
