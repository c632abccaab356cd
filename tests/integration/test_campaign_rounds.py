"""The article's campaign (9 self-inspection problems, 5 rectified, 4 due 30 November; 1 from
the ministry due 31 October) where people meet it: the daily digest of the county concerned and
of the leader linked to its water source, not that of a county without its cases; the
fortnightly summary; the ledger's campaign sheet; and the reminders as its date nears."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import load_workbook  # type: ignore[import-untyped]
from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.runtime.chores import run_sweep
from handlers.notices.table import RENDERERS
from models import Case, CaseState, GridCell, Member, Outbox
from models.db import SessionFactory
from services.digests import digest_round, queue_digests
from services.i18n import translator
from services.ledger import LedgerMode, build_workbook, load_ledger
from services.notices.kinds import load
from services.settings import Settings
from tests.support.campaigns import MAKER, campaign_world, numbers_of

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 10, 10, 9, 0, tzinfo=TZ).astimezone(UTC)
SELF_LINE = "自查问题 9 个，已整改 5 个，4 个按计划推进，11月30日前完成"
ASSIGNED_LINE = "上级交办问题 1 个，已整改 0 个，1 个按计划推进，10月31日前完成"


async def _seen(sessions: SessionFactory, settings: Settings, kind: str) -> dict[int, str]:
    """member id -> the text of their notices of `kind`, as the renderer draws it."""
    seen: dict[int, str] = {}
    async with sessions() as session:
        for row in await session.scalars(select(Outbox).where(Outbox.kind == kind)
                                          .order_by(Outbox.id)):
            member = await session.get(Member, row.recipient_id)
            card = await RENDERERS[type(load(row.kind, row.payload))](
                session, load(row.kind, row.payload), row, member, settings)
            if card is not None and row.recipient_id is not None:
                seen[row.recipient_id] = seen.get(row.recipient_id, "") + card.text
    return seen


async def test_the_county_concerned_reads_the_campaign_in_its_digest_and_others_do_not(
    settings: Settings, session_factory: SessionFactory, demo_grid_collection: dict[str, Any],
) -> None:
    world = await campaign_world(session_factory, demo_grid_collection, settings, NOW)
    async with session_factory() as session:
        await queue_digests(session, settings, NOW)
        await session.commit()
    seen = await _seen(session_factory, settings, "digest")
    county = seen[world.county_manager]
    assert "<b>专项行动</b>" in county
    assert f"{MAKER.CAMPAIGN}（吴兴区）：共 10 个问题，11月30日前全部完成" in county
    assert ASSIGNED_LINE in county and SELF_LINE in county
    village = seen[world.village_manager]  # the village holds them all too
    assert f"{MAKER.CAMPAIGN}（妙西东北村）" in village and SELF_LINE in village
    assert world.other_manager in seen  # 南浔区 has a digest, without the campaign
    assert "专项行动" not in seen[world.other_manager]
    assert MAKER.CAMPAIGN not in seen[world.other_manager]
    # the leader of 南浔区 linked to 老虎潭水库 sees its whole campaign, each case once
    assert f"{MAKER.CAMPAIGN}（南浔区）：共 10 个问题" in seen[world.leader]
    assert SELF_LINE in seen[world.leader]


async def test_a_round_counts_every_campaign_with_one_query_whatever_the_members(
    settings: Settings, session_factory: SessionFactory, engine: AsyncEngine,
    demo_grid_collection: dict[str, Any],
) -> None:
    await campaign_world(session_factory, demo_grid_collection, settings, NOW)
    async with session_factory() as session:
        cells = list(await session.scalars(select(GridCell).where(GridCell.level == "village")))
        session.add_all(Member(platform_user_id=str(900 + i), chat_id=str(900 + i),
                               display_name=f"网格员{i}", role="manager", cell_id=c.id)
                        for i, c in enumerate(cells))
        await session.commit()
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        async with session_factory() as session:
            members = list(await session.scalars(select(Member)))
            digests = await digest_round(session, members, NOW, TZ)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)
    assert len(members) > 20 and sum(1 for d in digests if d.campaigns) >= 4
    assert sum(1 for s in statements if "campaign_case" in s) == 1


async def test_the_fortnightly_summary_gives_the_campaigns_progress_with_its_date(
    settings: Settings, session_factory: SessionFactory, demo_grid_collection: dict[str, Any],
) -> None:
    world = await campaign_world(session_factory, demo_grid_collection, settings, NOW)
    async with session_factory() as session:
        await queue_digests(session, settings, NOW)
        await session.execute(update(Member).where(Member.id == world.leader)
                              .values(language="en"))
        await session.commit()
    summary = (await _seen(session_factory, settings, "summary"))[world.leader]
    assert "Fortnightly summary for 南浔区" in summary
    assert "<b>Campaigns</b>" in summary
    assert (f"{MAKER.CAMPAIGN} (南浔区): 10 problems, everything due by November 30"
            in summary)
    assert ("9 problems found in self-inspection, 5 rectified, 4 on schedule, due by "
            "November 30") in summary


async def test_the_ledger_has_a_campaign_sheet_for_the_members_part_of_the_grid(
    settings: Settings, session_factory: SessionFactory, demo_grid_collection: dict[str, Any],
) -> None:
    await campaign_world(session_factory, demo_grid_collection, settings, NOW)
    async with session_factory() as session:
        cells = {c.code: c for c in await session.scalars(select(GridCell).where(
            GridCell.code.in_(["330502", "330503"])))}
        wuxing = await load_ledger(session, cells["330502"], NOW, TZ, LedgerMode.ALL)
        nanxun = await load_ledger(session, cells["330503"], NOW, TZ, LedgerMode.ALL)
    book = load_workbook(io.BytesIO(build_workbook(wuxing, translator("zh_CN"), settings)))
    assert "专项行动" in book.sheetnames
    rows = list(book["专项行动"].iter_rows(values_only=True))
    assert rows[0][0] == "吴兴区专项行动进展（2026-10-10）"
    assert rows[1] == ("专项行动", "完成时限", "来源", "问题数", "已整改", "按计划推进", "已逾期",
                       "计划完成")
    assert rows[2:] == [
        (MAKER.CAMPAIGN, "2026年11月30日", "全部", 10, 5, 5, 0, "2026年11月30日"),
        (MAKER.CAMPAIGN, "2026年11月30日", "上级交办", 1, 0, 1, 0, "2026年10月31日"),
        (MAKER.CAMPAIGN, "2026年11月30日", "自查上报", 9, 5, 4, 0, "2026年11月30日"),
    ]
    ledger = list(book["台账"].iter_rows(values_only=True))
    assert ledger[1][-1] == "专项行动"
    assert [r[-1] for r in ledger[2:]] == [MAKER.CAMPAIGN] * 10  # every case of 吴兴区's
    other = load_workbook(io.BytesIO(build_workbook(nanxun, translator("zh_CN"), settings)))
    assert "专项行动" not in other.sheetnames
    assert {r[-1] for r in list(other["台账"].iter_rows(values_only=True))[2:]} == {None}


async def _reminders(sessions: SessionFactory) -> list[tuple[int | None, str | None]]:
    async with sessions() as session:
        return [(r.recipient_id, r.dedupe_key) for r in await session.scalars(
            select(Outbox).where(Outbox.kind == "campaign_due").order_by(Outbox.id))]


async def test_three_days_before_the_managers_of_its_open_cases_are_reminded_once(
    settings: Settings, session_factory: SessionFactory, demo_grid_collection: dict[str, Any],
) -> None:
    """The article's list as it is: ZC-2026-06 lies in 妙西东北村, ZC-2026-07 in 德清县's
    莫干山西南村, and the ministry's problem, late since 31 October, has climbed from
    妙西东北村 to 妙西镇 (which has no manager: 吴兴区's holds it); 南浔区 has none of them."""
    world = await campaign_world(session_factory, demo_grid_collection, settings, NOW,
                                 one_county=False)
    before = datetime(2026, 11, 27, 9, 0, tzinfo=TZ).astimezone(UTC)  # 3 days before
    await run_sweep(session_factory, settings, before)
    await run_sweep(session_factory, settings, before.replace(hour=before.hour + 5))
    sent = await _reminders(session_factory)
    assert sorted(who for who, _ in sent) == sorted([
        world.village_manager, world.county_manager, world.deqing_manager])
    seen = await _seen(session_factory, settings, "campaign_due")
    ministry, six, seven = await numbers_of(session_factory, "环办交〔2026〕1号-01", "ZC-2026-06",
                                            "ZC-2026-07")
    assert seen[world.village_manager] == "\n".join([
        f"专项行动“{MAKER.CAMPAIGN}”还有 3 天到期（2026年11月30日）。",
        f"您辖区还有 1 个问题未整改：{six}",
        f"发送 /campaign {MAKER.CAMPAIGN} 可获取进展表。"])
    assert f"您辖区还有 1 个问题未整改：{ministry}" in seen[world.county_manager]
    assert f"您辖区还有 1 个问题未整改：{seven}" in seen[world.deqing_manager]

    async with session_factory() as session:  # everything struck off: no more reminders
        await session.execute(update(Case).values(state=CaseState.CLOSED))
        await session.commit()
    await run_sweep(session_factory, settings, datetime(2026, 11, 29, 9, 0, tzinfo=TZ))
    assert len(await _reminders(session_factory)) == len(sent)
    assert await _seen(session_factory, settings, "campaign_due") == {}  # dropped when sent
