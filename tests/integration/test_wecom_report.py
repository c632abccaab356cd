"""A volunteer on WeCom files a whole report, end to end through the stand-ins: WeCom posts
each message to the bot's callback (signed, encrypted, sent again when late), the bot answers
through WeCom's API (text within its bytes, buttons as template cards), the photo is fetched by
its MediaId, the GCJ-02 place lands in the right village, and the case reaches the village's
manager like any report. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.wecom import channel_of
from handlers.deps import Deps
from handlers.notices import RENDERERS
from models import Case, CaseEvent, GridCell, Inbox, Member, Outbox, Photo
from models.db import SessionFactory
from sandbox.wecom import image as image_message
from sandbox.wecom import location as location_message
from sandbox.wecom import text as text_message
from services.grid import GridIndexHolder
from services.grid.datum import wgs84_to_gcj02
from services.members import create_invite
from services.settings import Settings
from tests.support.images import jpeg
from tests.support.report_world import IN_GRADE1, VILLAGE, build_world
from tests.support.wecom import AGENT, CORP, USER, Stage, file_a_report, open_stage, words


@pytest.fixture
async def stage(settings: Settings, session_factory: SessionFactory) -> AsyncIterator[Stage]:
    async with session_factory() as session:
        await build_world(session)
        await session.commit()
    holder = GridIndexHolder()
    async with session_factory() as session:
        await holder.reload(session)
    async with open_stage(Deps(settings, session_factory, holder, renderers=RENDERERS),
                          "LiSi", "WangWu") as opened:
        yield opened


async def test_a_volunteer_on_wecom_files_a_report_that_reaches_the_village_manager(
    stage: Stage,
) -> None:
    welcome = await stage.say(text_message(stage.app, USER, "/start"))
    assert "欢迎" in words(welcome) or "志愿者" in words(welcome)
    asked = await stage.say(text_message(stage.app, USER, "/report"))
    assert "是什么问题" in words(asked)
    assert any(m.msgtype == "template_card" for m in asked)  # the categories, as buttons
    photos = await stage.press(asked, "垃圾")
    assert "照片" in words(photos)
    # The pressed card was updated once, by the response code of that press.
    (updated,) = stage.wecom.card_updates
    assert updated["button"] == {"replace_name": "✓"} and updated["userids"] == [USER]
    assert stage.wecom.response_codes[updated["response_code"]][1]  # used up
    picture = jpeg()
    stage.wecom.media["MEDIA-photo-1"] = (picture, "image/jpeg", "p.jpg")
    kept = await stage.say(image_message(stage.app, USER, "MEDIA-photo-1"))
    place = await stage.press(kept, "完成")
    assert "位置" in words(place) and "点输入框旁的 ＋" in words(place)  # no location key here
    seen = wgs84_to_gcj02(*IN_GRADE1)  # what the WeCom client's map sends
    described = await stage.say(location_message(stage.app, USER, *seen, "老虎潭水库"))
    assert "妙西东北村" in words(described)
    severity = await stage.say(text_message(stage.app, USER, "岸边倒了一堆垃圾"))
    confirm = await stage.press(severity, "")
    done = await stage.press(confirm, "提交")
    assert "谢谢" in words(done)
    async with stage.sessions() as session:
        case = await session.scalar(select(Case))
        assert case is not None and case.description == "岸边倒了一堆垃圾"
        reporter = await session.get(Member, case.reporter_id)
        assert reporter is not None and (reporter.platform, reporter.platform_user_id) == (
            "wecom", USER)
        village = await session.scalar(select(GridCell.id).where(GridCell.code == VILLAGE))
        assert case.cell_id == village  # the GCJ-02 point, moved back, is in that village
        photos_kept = await session.scalar(select(func.count()).select_from(Photo).where(
            Photo.case_id == case.id))
        told = await session.scalar(select(func.count()).select_from(Outbox).where(
            Outbox.kind == "case_new"))
        handled = set(await session.scalars(select(Inbox.state).where(
            Inbox.channel == channel_of(CORP, AGENT))))
    assert photos_kept == 1 and told and told >= 1
    assert handled == {"done"}


async def test_a_stranger_is_asked_to_start_first_in_chinese(stage: Stage) -> None:
    got = await stage.say(text_message(stage.app, USER, "/report"))
    assert "/start" in words(got)


async def test_a_manager_on_wecom_joins_by_invite_and_accepts_a_case_from_its_card(
    stage: Stage,
) -> None:
    number = await file_a_report(stage)
    async with stage.sessions() as session:
        invite = await create_invite(session, "manager", VILLAGE)
        await session.commit()
    boss = "LiSi"
    joined = await stage.say(text_message(stage.app, boss, f"/start {invite.code}"), boss)
    assert "妙西东北村" in words(joined)  # told the cell they now answer for
    card = await stage.say(text_message(stage.app, boss, f"/case {number}"), boss)
    assert number in words(card) and any(m.msgtype == "template_card" for m in card)
    accepted = await stage.press(card, "受理", boss)
    assert "已受理" in words(accepted)  # the case as it is now, sent anew
    async with stage.sessions() as session:
        case = await session.scalar(select(Case).where(Case.number == number))
        assert case is not None and case.state == "accepted"
        actor = await session.scalar(
            select(Member.platform_user_id).join(CaseEvent, CaseEvent.actor_id == Member.id)
            .where(CaseEvent.case_id == case.id, CaseEvent.kind == "accepted"))
    assert actor == boss
    # The card pressed now shows the case as it is, with the next steps on it, and they work.
    (updated,) = [u for u in stage.wecom.card_updates if u["userids"] == [boss]]
    assert "已受理" in updated["template_card"]["main_title"]["title"]
    assert all(b["text"] != "受理" for b in updated["template_card"]["button_list"])
    asked = await stage.press(card, "整改方案", boss)
    assert "方案" in words(asked)


async def test_a_picture_wecom_no_longer_has_is_apologised_for_and_the_report_goes_on(
    stage: Stage,
) -> None:
    await stage.say(text_message(stage.app, USER, "/start"))
    asked = await stage.say(text_message(stage.app, USER, "/report"))
    await stage.press(asked, "垃圾")
    gone = await stage.say(image_message(stage.app, USER, "MEDIA-expired"))  # 40007 on get
    assert "抱歉" in words(gone)
    stage.wecom.media["MEDIA-photo-3"] = (jpeg(), "image/jpeg", "p.jpg")
    kept = await stage.say(image_message(stage.app, USER, "MEDIA-photo-3"))
    assert "1 / 10" in words(kept)  # the draft was kept, at its photo step


async def test_a_manager_on_wecom_is_told_of_a_new_case_by_a_card_and_accepts_it_there(
    stage: Stage,
) -> None:
    async with stage.sessions() as session:
        invite = await create_invite(session, "manager", VILLAGE)
        await session.commit()
    boss = "WangWu"
    await stage.say(text_message(stage.app, boss, f"/start {invite.code}"), boss)
    number = await file_a_report(stage)
    before = len(stage.wecom.inbox(boss))
    assert await stage.channel.send_outbox() >= 1
    told = stage.wecom.inbox(boss)[before:]
    assert number in words(told)
    assert any(m.msgtype == "image" for m in told)  # the report's photo, uploaded to WeCom
    assert any(m.msgtype == "template_card" for m in told)
    await stage.press(told, "受理", boss)
    async with stage.sessions() as session:
        case = await session.scalar(select(Case).where(Case.number == number))
        assert case is not None and case.state == "accepted"
        row = await session.scalar(select(Outbox).where(
            Outbox.kind == "case_new", Outbox.platform == "wecom"))
        assert row is not None and row.state == "sent"


async def test_lists_and_the_ledger_file_work_from_wecom(stage: Stage) -> None:
    number = await file_a_report(stage)
    mine = await stage.say(text_message(stage.app, USER, "/mine"))
    assert number in words(mine)
    async with stage.sessions() as session:
        invite = await create_invite(session, "manager", VILLAGE)
        await session.commit()
    await stage.say(text_message(stage.app, "LiSi", f"/start {invite.code}"), "LiSi")
    opened = await stage.say(text_message(stage.app, "LiSi", "/open"), "LiSi")
    assert number in words(opened)
    ledger = await stage.say(text_message(stage.app, "LiSi", "/ledger"), "LiSi")
    (sent,) = [m for m in ledger if m.msgtype == "file"]  # the .xlsx, uploaded as media
    data, _mime, name = stage.wecom.media[sent.body["media_id"]]
    assert name.endswith(".xlsx") and data[:2] == b"PK"
