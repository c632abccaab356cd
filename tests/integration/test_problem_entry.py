"""`/problem`: a supervisor enters one problem from the chat, the fields of a list's row, with
buttons from the grid and the categories; the conversation survives a restart, a bad or past
date is refused in the reader's language, and the village's manager is told of the new case as
of any other; volunteers cannot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from handlers.deps import Deps
from handlers.notices import RENDERERS
from models import Campaign, CampaignCase, Case, CaseSource, CaseState, Role, utcnow
from models.db import SessionFactory
from sandbox.wecom import text as text_message
from services.campaigns import create_campaign
from services.grid import GridIndexHolder
from services.members import create_invite
from services.settings import Settings
from tests.support.cases import send_outbox
from tests.support.harness import SimUser, TelegramHarness
from tests.support.ledger import WUXING, WUXING_VILLAGE, with_role
from tests.support.report_world import build_world, press
from tests.support.restart import restarted
from tests.support.wecom import Stage, open_stage, words

TZ = ZoneInfo("Asia/Shanghai")
CAMPAIGN = "2027年饮用水水源地问题整改"


def _last(h: TelegramHarness, user: SimUser) -> str:
    return str(h.last_message(user)["text"])


async def test_a_supervisor_enters_an_assigned_problem_the_village_manager_is_told_of(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    sessions: SessionFactory = h.app.bot_data["deps"].sessions
    today = utcnow().astimezone(TZ).date()
    async with sessions() as session:
        await create_campaign(session, CAMPAIGN, today + timedelta(days=60))
        await session.commit()
    supervisor, manager = h.user("Supervisor"), h.user("Village manager")
    await with_role(h, supervisor, Role.SUPERVISOR, WUXING, "zh_CN")
    await with_role(h, manager, Role.MANAGER, WUXING_VILLAGE, "zh_CN")

    await h.send_text(supervisor, "/problem")
    assert _last(h, supervisor) == "录入问题：问题来源是？"
    await press(h, supervisor, "上级交办")
    assert _last(h, supervisor).startswith("交办单位是？")
    await h.send_text(supervisor, "生态环境部")
    assert _last(h, supervisor) == "请发送该问题在清单上的编号。"

    async with restarted(h) as again:  # nothing is lost: the next answer goes on
        await again.send_text(supervisor, "环办交〔2026〕9号-01")
        assert _last(again, supervisor) == "在哪个水源地？"
        await press(again, supervisor, "老虎潭水库")  # its cell is 妙西东北村, a village
        assert _last(again, supervisor) == "妙西东北村是责任网格吗？"
        await press(again, supervisor, "⬆ 妙西镇")  # up, and down again
        await press(again, supervisor, "妙西东北村")
        await press(again, supervisor, "✔ 妙西东北村")
        assert _last(again, supervisor) == "问题类型是？"
        await press(again, supervisor, "垃圾堆放")
        await again.send_text(supervisor, "库区北岸堆放建筑垃圾")
        assert _last(again, supervisor).startswith("整改时限是？")
        await again.send_text(supervisor, "2026-11-31")
        assert _last(again, supervisor) == (
            "“2026-11-31”不是有效日期。请按 2026-11-30 或 11月30日 的格式发送。")
        due = today + timedelta(days=20)
        await again.send_text(supervisor, due.isoformat())
        assert _last(again, supervisor) == "是否属于某个专项行动？"
        await press(again, supervisor, CAMPAIGN)
        summary = _last(again, supervisor)
        assert summary.startswith("请核对问题：")
        for line in ("来源：上级交办", "交办单位：生态环境部", "编号：环办交〔2026〕9号-01",
                     "水源地：老虎潭水库", "责任网格：妙西东北村", "类别：垃圾堆放",
                     "描述：库区北岸堆放建筑垃圾", f"专项行动：{CAMPAIGN}"):
            assert line in summary.split("\n"), line
        await press(again, supervisor, "确认录入")
        async with sessions() as session:
            case = await session.scalar(select(Case).where(
                Case.issue_number == "环办交〔2026〕9号-01"))
            assert case is not None
            linked = await session.scalar(select(Campaign.name).join(
                CampaignCase, CampaignCase.campaign_id == Campaign.id).where(
                CampaignCase.case_id == case.id))
        assert _last(again, supervisor) == (
            f"已录入为问题 {case.number}（妙西东北村），已通知该网格的网格长。")
        assert (case.source, case.issuer, case.state) == (
            CaseSource.ASSIGNED, "生态环境部", CaseState.RECTIFYING)
        assert case.plan_due is not None and case.plan_due.astimezone(TZ).date() == due
        assert linked == CAMPAIGN
        await send_outbox(again)
        told = [m.get("text") or m.get("caption") or "" for m in again.messages_to(manager)]
        assert any(case.number in m and "库区北岸堆放建筑垃圾" in m for m in told)

        await again.send_text(supervisor, "/problem")  # the same number again: nothing new
        await press(again, supervisor, "上级交办")
        await again.send_text(supervisor, "生态环境部")
        await again.send_text(supervisor, "环办交〔2026〕9号-01")
        await press(again, supervisor, "老虎潭水库")
        await press(again, supervisor, "✔ 妙西东北村")
        await press(again, supervisor, "垃圾堆放")
        await again.send_text(supervisor, "又一次")
        await press(again, supervisor, "7 天内")
        await press(again, supervisor, "不属于专项行动")
        await press(again, supervisor, "确认录入")
        assert _last(again, supervisor) == (
            f"编号 环办交〔2026〕9号-01 已是问题 {case.number}，未重复录入。")


async def test_a_bad_or_past_date_is_refused_in_english_and_a_volunteer_cannot_start(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    supervisor, volunteer = h.user("Inspector", "en"), h.user("Volunteer", "en")
    await with_role(h, supervisor, Role.SUPERVISOR, WUXING, "en")
    await with_role(h, volunteer, Role.VOLUNTEER, None, "en")
    await h.send_text(volunteer, "/problem")
    assert _last(h, volunteer) == (
        "Problems are entered from the chat by supervisors and administrators.")

    await h.send_text(supervisor, "/problem")
    await press(h, supervisor, "self-inspection")
    await h.send_text(supervisor, "ZC-2026-20")
    await press(h, supervisor, "Not at a water source")  # the cells start at 吴兴区, the scope
    await press(h, supervisor, "妙西镇")
    await press(h, supervisor, "✔ 妙西镇")
    await press(h, supervisor, "Dumped garbage")
    await h.send_text(supervisor, "Rubbish by the road to the dam")
    await h.send_text(supervisor, "31/11")
    assert _last(h, supervisor) == (
        "“31/11” is not a date. Send one like 2026-11-30 or 11月30日.")
    await h.send_text(supervisor, "2020-01-01")
    assert _last(h, supervisor) == "January 1, 2020 has passed. Send a date from today on."
    await press(h, supervisor, "Cancel")  # on the question still waiting for its answer
    assert _last(h, supervisor) == "The problem was not entered."
    await h.send_text(supervisor, "2030-01-01")  # the conversation is over: not taken as one
    sessions: SessionFactory = h.app.bot_data["deps"].sessions
    async with sessions() as session:
        assert await session.scalar(select(Case).where(Case.issue_number == "ZC-2026-20")) is None


@pytest.fixture
async def stage(settings: Settings, session_factory: SessionFactory) -> AsyncIterator[Stage]:
    async with session_factory() as session:
        await build_world(session)
        await session.commit()
    holder = GridIndexHolder()
    async with session_factory() as session:
        await holder.reload(session)
    async with open_stage(Deps(settings, session_factory, holder, renderers=RENDERERS),
                          "LiSi") as opened:
        yield opened


async def test_a_supervisor_on_wecom_enters_a_self_inspection_problem(stage: Stage) -> None:
    async with stage.sessions() as session:
        invite = await create_invite(session, "supervisor", WUXING)
        await session.commit()
    await stage.say(text_message(stage.app, "LiSi", f"/start {invite.code}"), "LiSi")
    got = await stage.say(text_message(stage.app, "LiSi", "/problem"), "LiSi")
    assert "录入问题：问题来源是？" in words(got)
    got = await stage.press(got, "自查上报", "LiSi")
    got = await stage.say(text_message(stage.app, "LiSi", "ZC-2026-31"), "LiSi")
    got = await stage.press(got, "不涉及水源地", "LiSi")
    got = await stage.press(got, "妙西镇", "LiSi")
    got = await stage.press(got, "✔ 妙西镇", "LiSi")
    got = await stage.press(got, "垃圾堆放", "LiSi")
    asked = await stage.say(text_message(stage.app, "LiSi", "镇区河道漂浮垃圾"), "LiSi")
    got = await stage.say(text_message(stage.app, "LiSi", "2026年13月1日"), "LiSi")
    assert "“2026年13月1日”不是有效日期" in words(got)
    got = await stage.press(asked, "14 天内", "LiSi")  # the question's card still answers
    got = await stage.press(got, "不属于专项行动", "LiSi")
    assert "编号：ZC-2026-31" in words(got) and "责任网格：妙西镇" in words(got)
    got = await stage.press(got, "确认录入", "LiSi")
    async with stage.sessions() as session:
        case = await session.scalar(select(Case).where(Case.issue_number == "ZC-2026-31"))
    assert case is not None and case.source == CaseSource.SELF
    assert f"已录入为问题 {case.number}（妙西镇），已通知该网格的网格长。" in words(got)
