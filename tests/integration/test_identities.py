"""One member on two channels: a village manager on Telegram asks for a link code (/link) and
types it to the WeCom app; the WeCom account is then the same member, with the same rights,
notices go to the channel they wrote from last, and writing again on Telegram brings them back
there. An account that is already a member with a role of its own is refused. On SQLite and
PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from handlers.deps import Deps
from models import Case, CaseEvent, Member, MemberIdentity, Outbox
from sandbox.wecom import text as text_message
from services.members import create_invite
from tests.support import images
from tests.support.harness import SimUser, TelegramHarness
from tests.support.report import finish_from_place, volunteer
from tests.support.report_world import IN_GRADE1, VILLAGE, press
from tests.support.wecom import Stage, open_stage, words

BOSS = "WangWu"


@pytest.fixture
async def stage(bot_harness: TelegramHarness) -> AsyncIterator[Stage]:
    async with open_stage(bot_harness.app.bot_data["deps"], BOSS) as opened:
        yield opened


async def _manager(h: TelegramHarness) -> SimUser:
    deps: Deps = h.app.bot_data["deps"]
    async with deps.sessions() as session:
        invite = await create_invite(session, "manager", VILLAGE)
        await session.commit()
    manager = h.user("村管理员")
    await h.send_text(manager, f"/start {invite.code}")
    return manager


async def _code(h: TelegramHarness, manager: SimUser) -> str:
    await h.send_text(manager, "/link")
    found = re.search(r"/start (\S+)", h.last_message(manager)["text"])
    assert found is not None
    return found.group(1)


async def _members(h: TelegramHarness) -> list[Member]:
    deps: Deps = h.app.bot_data["deps"]
    async with deps.sessions() as session:
        return list(await session.scalars(select(Member).where(Member.active.is_(True))))


async def _report(h: TelegramHarness, reporter: SimUser, seed: int,
                  category: str = "Dumped garbage") -> str:
    await h.send_text(reporter, "/report")
    await press(h, reporter, category)
    await h.send_photo(reporter, images.jpeg(seed=seed))
    await press(h, reporter, "✅ Done")
    await h.send_location(reporter, *IN_GRADE1)
    await finish_from_place(h, reporter)
    deps: Deps = h.app.bot_data["deps"]
    async with deps.sessions() as session:
        number = await session.scalar(select(Case.number).order_by(Case.id.desc()))
    assert number is not None
    return number


async def test_a_manager_links_wecom_and_is_the_same_member_told_where_they_were_last(
    bot_harness: TelegramHarness, stage: Stage,
) -> None:
    h = bot_harness
    manager = await _manager(h)
    code = await _code(h, manager)
    linked = words(await stage.say(text_message(stage.app, BOSS, f"/start {code}"), BOSS))
    assert "也属于您" in linked and "妙西东北村" in linked
    deps: Deps = h.app.bot_data["deps"]
    async with deps.sessions() as session:
        boss = await session.scalar(select(Member).where(Member.role == "manager",
                                                         Member.cell_id.is_not(None)))
        identities = list(await session.scalars(select(MemberIdentity)))
    assert boss is not None and (boss.platform, boss.platform_user_id) == ("wecom", BOSS)
    assert [(i.platform, i.platform_user_id) for i in identities] == [
        ("telegram", str(manager.id))]
    who = words(await stage.say(text_message(stage.app, BOSS, "/whoami"), BOSS))
    assert "村网格员" in who or "网格员" in who  # the role given on Telegram

    reporter = await volunteer(h, "Vera")
    number = await _report(h, reporter, 5)
    async with deps.sessions() as session:
        alert = await session.scalar(select(Outbox).where(
            Outbox.kind == "case_new", Outbox.recipient_id == boss.id))
    assert alert is not None and alert.platform == "wecom"  # where they wrote from last
    await stage.channel.send_outbox()
    told = stage.wecom.inbox(BOSS)
    assert number in words(told)
    await stage.press(told, "受理", BOSS)  # the same rights from the other account
    async with deps.sessions() as session:
        case = await session.scalar(select(Case).where(Case.number == number))
        assert case is not None and case.state == "accepted"
        actor = await session.scalar(select(CaseEvent.actor_id).where(
            CaseEvent.case_id == case.id, CaseEvent.kind == "accepted"))
    assert actor == boss.id

    await h.send_text(manager, "/open")  # back on Telegram: notices come here again
    second = await _report(h, reporter, 6, "Outfall or sewage discharge")  # no duplicate
    assert second != number
    async with deps.sessions() as session:
        again = await session.scalar(select(Outbox).where(
            Outbox.kind == "case_new", Outbox.recipient_id == boss.id,
            Outbox.case_id == select(Case.id).where(Case.number == second).scalar_subquery()))
        members = await session.scalar(select(func.count()).select_from(Member).where(
            Member.role == "manager"))
    assert again is not None and again.platform == "telegram"
    assert members == 1  # one person, one member


async def test_an_account_with_a_role_of_its_own_is_not_linked(
    bot_harness: TelegramHarness, stage: Stage,
) -> None:
    h = bot_harness
    manager = await _manager(h)
    deps: Deps = h.app.bot_data["deps"]
    async with deps.sessions() as session:
        invite = await create_invite(session, "manager", VILLAGE)
        await session.commit()
    await stage.say(text_message(stage.app, BOSS, f"/start {invite.code}"), BOSS)
    before = len(await _members(h))
    code = await _code(h, manager)
    refused = words(await stage.say(text_message(stage.app, BOSS, f"/start {code}"), BOSS))
    assert "已经有自己的成员身份" in refused
    async with deps.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(MemberIdentity)) == 0
    assert len(await _members(h)) == before
