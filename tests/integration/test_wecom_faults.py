"""WeCom failing as it does, injected in the stand-in as the Telegram emulator's faults are: the
outbox's WeCom sender puts a notice off when WeCom is busy or over its rate, sends it once when
WeCom is back, and gives up on a member who left the app; a reply that fails mid-conversation
is made once more when WeCom surely did not take it, and apologised for (the draft kept) when
it failed again or may have gone. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select, update

from handlers.deps import Deps
from handlers.notices import RENDERERS
from models import Outbox
from models.base import utcnow
from models.db import SessionFactory
from sandbox.wecom import text as text_message
from services.grid import GridIndexHolder
from services.members import create_invite
from services.settings import Settings
from tests.support.report_world import VILLAGE, build_world
from tests.support.wecom import USER, Stage, file_a_report, open_stage, words

BOSS = "WangWu"


@pytest.fixture
async def stage(settings: Settings, session_factory: SessionFactory) -> AsyncIterator[Stage]:
    async with session_factory() as session:
        await build_world(session)
        invite = await create_invite(session, "manager", VILLAGE)
        await session.commit()
    holder = GridIndexHolder()
    async with session_factory() as session:
        await holder.reload(session)
    async with open_stage(Deps(settings, session_factory, holder, renderers=RENDERERS),
                          BOSS) as opened:
        await opened.say(text_message(opened.app, BOSS, f"/start {invite.code}"), BOSS)
        yield opened


async def _alert(stage: Stage) -> Outbox:
    async with stage.sessions() as session:
        row = await session.scalar(select(Outbox).where(
            Outbox.kind == "case_new", Outbox.platform == "wecom", Outbox.chat_id == BOSS))
    assert row is not None
    return row


async def _due_now(stage: Stage) -> None:
    """The put-off is waited out (without waiting in the test)."""
    async with stage.sessions() as session:
        await session.execute(update(Outbox).where(Outbox.state == "pending")
                              .values(next_attempt_at=utcnow()))
        await session.commit()


@pytest.mark.parametrize("kind", ["busy", "server_error"])
async def test_a_notice_wecom_could_not_take_is_put_off_and_sent_once_later(
    stage: Stage, kind: str,
) -> None:
    number = await file_a_report(stage)
    stage.wecom.add_fault(kind, path="message/send", user=BOSS, remaining=1)
    before = len(stage.wecom.inbox(BOSS))
    await stage.channel.send_outbox()
    row = await _alert(stage)
    assert row.state == "pending" and row.next_attempt_at > utcnow()  # put off, not lost
    assert ("message/send", kind) in stage.wecom.faults_fired
    await _due_now(stage)
    await stage.channel.send_outbox()
    assert (await _alert(stage)).state == "sent"
    got = stage.wecom.inbox(BOSS)[before:]
    # the alert once, not once per try: its words, its buttons' card, its photo
    assert len([m for m in got if number in words([m])]) == 1
    assert len([m for m in got if m.msgtype == "template_card"]) == 1
    assert len([m for m in got if m.msgtype == "image"]) == 1


async def test_over_wecoms_rate_a_member_is_left_alone_for_the_minute_wecom_blocks(
    stage: Stage,
) -> None:
    await file_a_report(stage)
    stage.wecom.add_fault("rate_limited", path="message/send", user=BOSS, remaining=1)
    before = len(stage.wecom.inbox(BOSS))
    await stage.channel.send_outbox()
    row = await _alert(stage)
    assert row.state == "pending" and (row.next_attempt_at - utcnow()).total_seconds() > 50
    await _due_now(stage)
    await stage.channel.send_outbox()  # due in the table, but the sender keeps WeCom's minute
    assert (await _alert(stage)).state == "pending"
    assert not [m for m in stage.wecom.inbox(BOSS)[before:] if m.msgtype != "image"]


async def test_a_member_who_left_the_app_is_given_up_on(stage: Stage) -> None:
    await file_a_report(stage)
    stage.wecom.add_fault("gone", path="message/send", user=BOSS, remaining=10)
    await stage.channel.send_outbox()
    row = await _alert(stage)
    assert row.state == "failed" and "81013" in (row.last_error or "")


async def test_a_reply_wecom_was_too_busy_for_once_still_arrives_without_an_apology(
    stage: Stage,
) -> None:
    await stage.say(text_message(stage.app, USER, "/start"))
    asked = await stage.say(text_message(stage.app, USER, "/report"))
    stage.wecom.add_fault("busy", path="message/send", user=USER, remaining=1)
    got = await stage.press(asked, "垃圾")
    assert ("message/send", "busy") in stage.wecom.faults_fired
    assert "照片" in words(got) and "抱歉" not in words(got)
    assert len([m for m in got if "请发送 1 到 10 张" in words([m])]) == 1


async def test_a_reply_wecom_refused_twice_is_apologised_for_and_the_draft_kept(
    stage: Stage,
) -> None:
    await stage.say(text_message(stage.app, USER, "/start"))
    asked = await stage.say(text_message(stage.app, USER, "/report"))
    stage.wecom.add_fault("busy", path="message/send", user=USER, remaining=2)
    got = await stage.press(asked, "垃圾")
    assert "抱歉" in words(got)  # the apology, in Chinese, once WeCom answered again
    again = await stage.say(text_message(stage.app, USER, "/report"))
    assert "照片" in words(again) or "继续" in words(again)  # the draft is still there


async def test_a_reply_that_may_have_gone_is_not_sent_again(stage: Stage) -> None:
    """WeCom took the message but its answer never came: sending it again could show it twice,
    so the person is told something went wrong instead, and /report shows where they are."""
    stage.channel.api.client.timeout = httpx.Timeout(1.0)
    await stage.say(text_message(stage.app, USER, "/start"))
    asked = await stage.say(text_message(stage.app, USER, "/report"))
    stage.wecom.add_fault("timeout", path="message/send", user=USER, delay=2.0,
                          delivered=True)
    got = await stage.press(asked, "垃圾")
    assert len([m for m in got if "类别：垃圾堆放" in words([m])]) == 1  # the one that timed out
    assert "抱歉" in words(got)
    again = await stage.say(text_message(stage.app, USER, "/report"))
    assert "继续" in words(again)


async def test_faults_are_set_through_the_stand_ins_control_api(stage: Stage) -> None:
    base = stage.wecom_url
    async with httpx.AsyncClient() as http:
        added = await http.post(f"{base}/sandbox/api/wecom/faults",
                                json={"kind": "busy", "remaining": 2})
        assert added.json() == {"ok": True, "fault": "busy"}
        assert len(stage.wecom.faults) == 1
        await http.delete(f"{base}/sandbox/api/wecom/faults")
    assert stage.wecom.faults == []
