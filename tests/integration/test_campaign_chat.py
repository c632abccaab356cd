"""`/campaign` in the chat, on Telegram and on WeCom through the same handler: the article's
list imported, a county manager sees the campaign's figures for the county and gets the
progress sheet; a volunteer is refused politely."""

from __future__ import annotations

from collections.abc import AsyncIterator
from io import BytesIO

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]
from sqlalchemy import select

from handlers.deps import Deps
from handlers.notices import RENDERERS
from models import Case, Role, utcnow
from models.db import SessionFactory
from sandbox.wecom import text as text_message
from services.grid import GridIndexHolder
from services.members import create_invite
from services.problems import import_problems, read_xlsx
from services.settings import Settings
from tests.support.harness import TelegramHarness
from tests.support.ledger import WUXING, with_role
from tests.support.problems import example_maker
from tests.support.report_world import build_world
from tests.support.wecom import Stage, open_stage, words

MAKER = example_maker()


async def _import_article(sessions: SessionFactory, settings: Settings) -> None:
    async with sessions() as session:
        await import_problems(session, read_xlsx(MAKER.xlsx_bytes()), settings, utcnow())
        await session.commit()


async def test_a_county_manager_follows_the_campaign_on_telegram(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    deps: Deps = h.app.bot_data["deps"]
    await _import_article(deps.sessions, deps.settings)
    manager, volunteer = h.user("County", "zh-hans"), h.user("Volunteer", "en")
    await with_role(h, manager, Role.MANAGER, WUXING, "zh_CN")
    await with_role(h, volunteer, Role.VOLUNTEER, None, "en")

    await h.send_text(manager, "/campaign")
    listed = h.last_message(manager)["text"]
    assert listed.startswith("专项行动：")
    # 吴兴区 holds the ministry's problem and two of the self-inspection (one rectified)
    assert f"{MAKER.CAMPAIGN}（吴兴区）：共 3 个问题" in listed

    await h.send_text(manager, f"/campaign {MAKER.CAMPAIGN}")
    sent = h.last_message(manager)
    assert sent["document"]["file_name"].startswith(f"进展-{MAKER.CAMPAIGN}-")
    # the dates of the list are past on this machine's clock: the open ones are overdue
    assert "上级交办问题 1 个，已整改 0 个，0 个按计划推进，1 个已逾期，10月31日前完成" in (
        sent["caption"])
    assert "自查问题 2 个，已整改 1 个，0 个按计划推进，1 个已逾期，11月30日前完成" in (
        sent["caption"])
    stored = h.emulator.state.files[sent["document"]["file_id"]]
    rows = list(load_workbook(BytesIO(stored.data)).active.iter_rows(values_only=True))
    assert [r[1] for r in rows[5:]] == ["老虎潭水库"] * 3

    await h.send_text(manager, "/campaign 没有这个")
    assert "没有名为“没有这个”的专项行动" in h.last_message(manager)["text"]
    await h.send_text(volunteer, "/campaign")
    assert h.last_message(volunteer)["text"].startswith("Campaigns are followed by grid")


@pytest.fixture
async def stage(settings: Settings, session_factory: SessionFactory) -> AsyncIterator[Stage]:
    async with session_factory() as session:
        await build_world(session)
        await session.commit()
    await _import_article(session_factory, settings)
    holder = GridIndexHolder()
    async with session_factory() as session:
        await holder.reload(session)
    async with open_stage(Deps(settings, session_factory, holder, renderers=RENDERERS),
                          "LiSi") as opened:
        yield opened


async def test_a_manager_on_wecom_gets_the_campaign_and_its_sheet(stage: Stage) -> None:
    async with stage.sessions() as session:
        invite = await create_invite(session, "manager", WUXING)
        await session.commit()
    await stage.say(text_message(stage.app, "LiSi", f"/start {invite.code}"), "LiSi")
    answer = await stage.say(text_message(stage.app, "LiSi", f"/campaign {MAKER.CAMPAIGN}"),
                             "LiSi")
    assert "自查问题 2 个，已整改 1 个" in words(answer)
    (sent,) = [m for m in answer if m.msgtype == "file"]
    data, _mime, name = stage.wecom.media[sent.body["media_id"]]
    assert name.startswith("进展-") and name.endswith(".xlsx")
    rows = list(load_workbook(BytesIO(data)).active.iter_rows(values_only=True))
    assert rows[4][0] == "序号" and len(rows) == 8


async def test_the_village_manager_gets_the_card_of_a_listed_problem(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    deps: Deps = h.app.bot_data["deps"]
    village = h.user("Village", "zh-hans")
    await with_role(h, village, Role.MANAGER, "330502100004", "zh_CN")
    await _import_article(deps.sessions, deps.settings)
    await h.run_jobs(name="outbox")
    texts = [m.get("text") or m.get("caption") or "" for m in h.messages_to(village)]
    assert any("二级保护区内一处雨污混接排口" in text for text in texts)
    assert any("库区岸边生活垃圾堆放" in text for text in texts) is False  # struck off: silent
    async with deps.sessions() as session:
        number = await session.scalar(select(Case.number).where(
            Case.issue_number == MAKER.ROWS[0][0]))
    await h.send_text(village, f"/case {number}")
    shown = h.last_message(village)
    card = shown.get("text") or shown.get("caption") or ""
    assert "由问题清单录入" in card
    # the ministry's problem says who handed it down and under which number, not "匿名志愿者"
    assert f"交办单位：生态环境部（编号 {MAKER.ROWS[0][0]}）" in card and "匿名志愿者" not in card
    # its measures from the list, and no empty plan of steps and owner nobody wrote yet
    assert "整改措施：截污纳管，封堵排口" in card and "路线图" not in card
