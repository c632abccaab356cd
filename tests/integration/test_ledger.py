"""The ledger (台账) workbook agrees with the cases the test wrote: only the member's subtree,
closed and overdue cases as an office expects them, user text kept as text, words in the
member's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]

from models import Case, CaseEvent, CaseSource, CaseState, Role
from models.db import SessionFactory
from services.cases import state_label
from services.grid import led_sources
from services.i18n import translator
from services.ledger import (
    Ledger,
    LedgerMode,
    build_workbook,
    file_name,
    load_ledger,
    may_export,
    scope_of,
    week_start,
)
from services.settings import Settings
from tests.support.deadlines_world import NOW, World, build_world, linked_leader, member, new_case

TZ = ZoneInfo("Asia/Shanghai")
INJECTIONS = ('=HYPERLINK("http://evil.example","click")', "+1+2", "-2+3", "@SUM(A1:A2)",
              "#N/A")


@dataclass
class Cases:
    late: Case  # open, 3 days past its deadline, escalated twice (orange), plan set
    closed: Case  # struck off yesterday
    fresh: Case  # open, due tomorrow, an emergency in the township itself
    rejected: Case  # only in the "all" ledger
    merged: Case  # never listed: it lives on in the case it was merged into
    outside: Case  # in another township: never in the Miaoxi ledger


@pytest.fixture
async def world(sessions: SessionFactory) -> tuple[World, Cases]:
    async with sessions() as session:
        w = await build_world(session)
        late = new_case(
            w, w.village, state=CaseState.RECTIFYING, created_at=NOW - timedelta(days=9),
            due_at=NOW - timedelta(days=3, hours=1), escalation_level=2, category="outfall",
            description=INJECTIONS[0], assignee_id=w.village_manager.id, zone="grade1",
            plan_task="Block the pipe", plan_steps="-survey\n-block\n-check",
            plan_owner="@Wang", plan_due=NOW + timedelta(days=5), severity="high",
        )
        closed = new_case(
            w, w.village2, state=CaseState.CLOSED, created_at=NOW - timedelta(days=20),
            closed_at=NOW - timedelta(days=1), description=INJECTIONS[1],
            source=CaseSource.SELF, escalation_level=1,
        )
        fresh = new_case(
            w, w.township, state=CaseState.ACCEPTED, created_at=NOW - timedelta(hours=5),
            due_at=NOW + timedelta(days=1), emergency=True, category="abnormal_water",
            description=INJECTIONS[2], origin_cell_id=w.village.id, anonymous=True,
        )
        rejected = new_case(w, w.village, state=CaseState.REJECTED, description=INJECTIONS[3],
                            created_at=NOW - timedelta(days=2))
        merged = new_case(w, w.village, state=CaseState.MERGED, description=INJECTIONS[4],
                          created_at=NOW - timedelta(days=1))
        outside = new_case(w, w.village3, state=CaseState.SUBMITTED,
                           due_at=NOW - timedelta(days=1), created_at=NOW - timedelta(days=4))
        session.add_all([late, closed, fresh, rejected, merged, outside])
        await session.flush()
        vm, tm = w.village_manager.id, w.township_manager.id
        session.add_all([CaseEvent(case_id=case.id, actor_id=actor, kind=kind, at=NOW - ago)
                         for case, actor, kind, ago in (
            (fresh, tm, "accepted", timedelta(hours=4)),
            (closed, vm, "accepted", timedelta(days=19)),
            (closed, vm, "fix_claimed", timedelta(days=5)),  # not accepted: sent back
            (closed, tm, "sent_back", timedelta(days=4)),
            (closed, vm, "fix_claimed", timedelta(days=3)),
            (closed, tm, "checked", timedelta(days=2)),
            (closed, tm, "closed", timedelta(days=1)))])
        await session.commit()
        return w, Cases(late, closed, fresh, rejected, merged, outside)


async def _ledger(sessions: SessionFactory, w: World, mode: LedgerMode) -> Ledger:
    async with sessions() as session:
        scope = await scope_of(session, w.township_manager)
        return await load_ledger(session, scope, NOW, TZ, mode)


def _sheet_rows(ws: Any) -> list[list[Any]]:
    return [list(row) for row in ws.iter_rows(values_only=True)]


def _local(moment: datetime) -> datetime:
    return moment.astimezone(TZ).replace(tzinfo=None)


async def test_the_ledger_lists_the_subtree_with_plans_deadlines_and_colours(
    sessions: SessionFactory, world: tuple[World, Cases], settings: Settings
) -> None:
    w, c = world
    ledger = await _ledger(sessions, w, LedgerMode.ALL)
    book = load_workbook(BytesIO(build_workbook(ledger, translator("zh_CN"), settings)))
    assert book.sheetnames == ["台账", "统计", "逾期案件"]
    sheet = book["台账"]
    rows = _sheet_rows(sheet)
    header = rows[1]  # under the title row
    assert header[:5] == ["序号", "编号", "上报时间", "上报人", "来源"]
    assert header[-5:] == ["整改完成时间", "核查人", "核查时间", "销号时间", "专项行动"]
    by_number = {r[1]: dict(zip(header, r, strict=True)) for r in rows[2:]}
    # oldest first; the other township's case and the merged duplicate are not there
    assert [r[1] for r in rows[2:]] == [c.closed.number, c.late.number, c.rejected.number,
                                        c.fresh.number]
    assert [r[0] for r in rows[2:]] == [1, 2, 3, 4]
    late = by_number[c.late.number]
    assert late["上报时间"] == _local(c.late.created_at)
    assert late["问题类别"] == "排污口/污水直排"
    assert late["严重程度"] == "高"
    assert late["保护区"] == "一级保护区"
    assert late["水源地"] == "Laohutan"
    assert late["所在网格"] == "Miaoxi / Northeast"
    assert late["责任网格"] == "Northeast"
    assert late["承办人"] == "Village manager"
    assert late["整改任务"] == "Block the pipe"
    assert late["整改路线图"] == "-survey\n-block\n-check"
    assert late["责任人"] == "@Wang"
    assert late["整改时限"] == _local(c.late.plan_due)  # type: ignore[arg-type]
    assert late["逾期天数"] == 3
    assert late["预警等级"] == "橙色"
    assert late["销号时间"] is None
    closed = by_number[c.closed.number]
    assert closed["办理状态"] == state_label(CaseState.CLOSED, translator("zh_CN"))
    assert late["办理状态"] == state_label(CaseState.RECTIFYING, translator("zh_CN"))
    assert closed["销号时间"] == _local(c.closed.closed_at)  # type: ignore[arg-type]
    assert closed["来源"] == "自查上报" and closed["逾期天数"] is None
    fresh = by_number[c.fresh.number]
    assert fresh["紧急"] == "是" and fresh["逾期天数"] is None and fresh["预警等级"] is None
    assert fresh["所在网格"] == "Miaoxi / Northeast" and fresh["责任网格"] == "Miaoxi"
    # the overdue row is filled orange, the others are not; header frozen and filtered
    late_row = next(r[1].row for r in sheet.iter_rows(min_row=3) if r[1].value == c.late.number)
    assert sheet.cell(late_row, 3).fill.fgColor.rgb.endswith("F8CBAD")
    fresh_row = next(r[1].row for r in sheet.iter_rows(min_row=3) if r[1].value == c.fresh.number)
    assert sheet.cell(fresh_row, 3).fill.fill_type is None
    assert sheet.freeze_panes == "C3"
    assert sheet.auto_filter.ref == f"A2:AB{len(rows)}"
    assert sheet.column_dimensions["I"].width >= 10
    overdue = _sheet_rows(book["逾期案件"])
    assert overdue[0][0] == "Miaoxi逾期案件（2026-11-20）"
    assert [r[1] for r in overdue[2:]] == [c.late.number]
    assert overdue[2][4] == "Village manager" and overdue[2][7] == 3


async def test_the_open_ledger_leaves_out_what_was_struck_off(
    sessions: SessionFactory, world: tuple[World, Cases], settings: Settings
) -> None:
    w, c = world
    ledger = await _ledger(sessions, w, LedgerMode.OPEN)
    book = load_workbook(BytesIO(build_workbook(ledger, translator("en"), settings)))
    assert book.sheetnames == ["Ledger", "Summary", "Overdue cases"]
    rows = _sheet_rows(book["Ledger"])
    assert rows[0][0] == "Ledger of Miaoxi: open cases only, 2026-11-20"
    assert rows[1][:4] == ["Serial no.", "No.", "Reported at", "Reported by"]
    assert [r[1] for r in rows[2:]] == [c.late.number, c.fresh.number]
    assert file_name(ledger, translator("en"), TZ) == "Ledger-Miaoxi-2026-11-20.xlsx"
    assert file_name(ledger, translator("zh_CN"), TZ) == "台账-Miaoxi-2026-11-20.xlsx"


async def test_user_text_that_looks_like_a_formula_stays_text(
    sessions: SessionFactory, world: tuple[World, Cases], settings: Settings
) -> None:
    w, c = world
    async with sessions() as session:
        manager = await session.get(type(w.village_manager), w.village_manager.id)
        assert manager is not None
        manager.display_name = "=cmd|' /C calc'!A0"
        await session.commit()
    ledger = await _ledger(sessions, w, LedgerMode.ALL)
    book = load_workbook(BytesIO(build_workbook(ledger, translator("en"), settings)))
    sheet = book["Ledger"]
    header = [cell.value for cell in sheet[2]]
    column = header.index("Description") + 1
    seen = {}
    for row in sheet.iter_rows(min_row=3):
        cell = row[column - 1]
        assert cell.data_type == "s", (cell.value, cell.data_type)
        seen[row[1].value] = cell.value
    assert seen[c.late.number] == INJECTIONS[0]
    assert seen[c.closed.number] == INJECTIONS[1]
    assert seen[c.fresh.number] == INJECTIONS[2]
    assert seen[c.rejected.number] == INJECTIONS[3]
    handler = sheet.cell(3 + [r[1].value for r in sheet.iter_rows(min_row=3)].index(
        c.late.number), header.index("Handled by") + 1)
    assert handler.value == "=cmd|' /C calc'!A0" and handler.data_type == "s"
    assert handler.quotePrefix
    # nothing anywhere in the workbook is a formula
    for ws in book.worksheets:
        for row in ws.iter_rows():
            assert all(cell.data_type != "f" for cell in row)


async def test_the_summary_counts_open_overdue_and_struck_off_this_week(
    sessions: SessionFactory, world: tuple[World, Cases], settings: Settings
) -> None:
    w, _ = world
    ledger = await _ledger(sessions, w, LedgerMode.OPEN)
    assert ledger.week_start == datetime(2026, 11, 15, 16, 0, tzinfo=NOW.tzinfo)  # Mon 00:00
    assert week_start(NOW, TZ) == ledger.week_start
    rows = _sheet_rows(load_workbook(BytesIO(build_workbook(
        ledger, translator("en"), settings)))["Summary"])
    assert rows[0][0] == "Ledger of Miaoxi, 2026-11-20"
    table = {r[0]: r[1:6] for r in rows if r and r[0] and isinstance(r[1], int)}
    # open, overdue, due today, new this week (rejected and merged reports too, as the digest
    # counts them), struck off this week
    assert table["Northeast"] == [1, 1, 0, 2, 0]
    assert table["Southwest"] == [0, 0, 0, 0, 1]
    assert table["Miaoxi itself"] == [1, 0, 0, 1, 0]  # the emergency held by the township
    assert table["Outfall or sewage discharge"] == [1, 1, 0, 0, 0]
    assert table["Dumped garbage"] == [0, 0, 0, 2, 1]
    assert table["Abnormal water (colour, smell, dead fish)"] == [1, 0, 0, 1, 0]
    totals = [r[1:6] for r in rows if r and r[0] == "Total"]
    assert totals == [[2, 1, 0, 3, 1]] * 3  # by part of the grid, by category, by source
    assert table["self-inspection"] == [0, 0, 0, 0, 1]
    assert table["public report"] == [2, 1, 0, 3, 0]
    assert "Lakeside" not in table  # the other township's village


async def test_control_characters_are_dropped_and_a_cut_ledger_says_so(
    sessions: SessionFactory, world: tuple[World, Cases], settings: Settings
) -> None:
    w, c = world
    async with sessions() as session:
        late = await session.get(Case, c.late.id)
        assert late is not None
        late.description = "bell\x07 and escape\x1b inside"
        await session.commit()
        scope = await scope_of(session, w.township_manager)
        ledger = await load_ledger(session, scope, NOW, TZ, LedgerMode.ALL, limit=2)
    assert ledger.truncated and [r.number for r in ledger.rows] == [c.closed.number, c.late.number]
    book = load_workbook(BytesIO(build_workbook(ledger, translator("en"), settings)))
    descriptions = [r[8] for r in book["Ledger"].iter_rows(min_row=3, values_only=True)]
    assert descriptions == [INJECTIONS[1], "bell and escape inside"]
    notes = [r[0] for r in book["Summary"].iter_rows(max_row=5, values_only=True)]
    assert ("Only the oldest 2 cases are listed; the command line exports the whole ledger."
            in notes)


async def test_who_keeps_a_ledger_and_of_what(
    sessions: SessionFactory, world: tuple[World, Cases]
) -> None:
    w, c = world
    admin = member("Admin", Role.ADMIN, None)
    assert may_export(w.leader) and may_export(w.supervisor) and may_export(w.village_manager)
    assert not may_export(w.volunteer) and not may_export(member("P", Role.PATROLLER, w.village))
    async with sessions() as session:
        session.add(admin)
        await session.commit()
        scope = await scope_of(session, admin)  # no cell: the top of the grid
        assert scope is not None and scope.id == w.city.id
        ledger = await load_ledger(session, scope, NOW, TZ, LedgerMode.OPEN)
        assert await scope_of(session, w.volunteer) is None
    assert {r.number for r in ledger.rows} == {c.late.number, c.fresh.number, c.outside.number}
    assert [name for name, _ in ledger.by_cell] == ["Wuxing"]
    assert ledger.totals.open == 3 and ledger.totals.overdue == 2


async def test_the_ledger_prints_as_an_office_files_it(
    sessions: SessionFactory, world: tuple[World, Cases], settings: Settings
) -> None:
    """Title row, 序号, landscape on the page's width with the header on every page; who
    reported (unless anonymous), who took it on at accept, the fix, the check; colours filled."""
    w, c = world
    ledger = await _ledger(sessions, w, LedgerMode.ALL)
    book = load_workbook(BytesIO(build_workbook(ledger, translator("zh_CN"), settings)))
    for name in ("台账", "统计", "逾期案件"):
        sheet = book[name]
        setup = sheet.page_setup
        assert (setup.orientation, setup.fitToWidth, setup.fitToHeight) == ("landscape", 1, 0)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
        assert setup.paperSize == 9  # A4
        assert sheet.oddFooter.center.text == "第 &P 页，共 &N 页"
    sheet = book["台账"]
    assert sheet.print_title_rows == "$1:$2"  # the title and the header on every page
    assert book["逾期案件"].print_title_rows == "$1:$2"
    assert sheet["A1"].value == "Miaoxi台账（全部案件（含已销号），2026-11-20）"
    assert sheet["A1"].font.bold and sheet["A1"].font.size >= 14
    assert any(str(r) == "A1:AB1" for r in sheet.merged_cells.ranges)
    rows = _sheet_rows(sheet)
    by_number = {r[1]: dict(zip(rows[1], r, strict=True)) for r in rows[2:]}
    late, closed, fresh = (by_number[x.number] for x in (c.late, c.closed, c.fresh))
    assert late["上报人"] == "Volunteer" and fresh["上报人"] == "匿名"
    assert fresh["承办人"] == "Township manager"  # nobody assigned yet: who accepted it
    assert closed["承办人"] == "Village manager"
    assert closed["整改完成时间"] == _local(NOW - timedelta(days=3))  # the claim that held
    assert closed["核查人"] == "Township manager"
    assert closed["核查时间"] == _local(NOW - timedelta(days=2))
    assert late["整改完成时间"] is None and late["核查人"] is None
    # colours are fills: the open late row whole, a closed case's colour in its own cell
    colour = rows[1].index("预警等级") + 1
    late_row = 3 + [r[1] for r in rows[2:]].index(c.late.number)
    closed_row = 3 + [r[1] for r in rows[2:]].index(c.closed.number)
    assert sheet.cell(late_row, colour).fill.fill_type == "solid"
    assert sheet.cell(late_row, colour).fill.fgColor.rgb.endswith("F8CBAD")
    assert closed["预警等级"] == "黄色"
    assert sheet.cell(closed_row, colour).fill.fgColor.rgb.endswith("FFF2A8")
    assert sheet.cell(closed_row, 2).fill.fill_type is None  # a closed row is not coloured


async def test_a_linked_leaders_ledger_counts_their_source_whole_and_each_case_once(
    sessions: SessionFactory, settings: Settings
) -> None:
    """A leader of Donglin linked to a water source whose cases lie in three villages, two of
    them in Miaoxi: the ledger lists all three and Donglin's own cases, the one on both counted
    once, and every total of the summary agrees."""
    async with sessions() as session:
        w = await build_world(session)
        leader, spread = await linked_leader(session, w, "zh_CN")
        on_source = [new_case(w, village, water_source_id=spread.id,
                              created_at=NOW - timedelta(days=2), due_at=NOW + timedelta(days=3))
                     for village in (w.village, w.village2, w.village3)]
        own = new_case(w, w.village3, created_at=NOW - timedelta(days=2))  # Donglin, WS1
        neither = new_case(w, w.village, created_at=NOW - timedelta(days=2))  # Miaoxi, WS1
        session.add_all([*on_source, own, neither])
        await session.commit()
        scope = await scope_of(session, leader)
        ledger = await load_ledger(session, scope, NOW, TZ, LedgerMode.OPEN,
                                   sources=await led_sources(session, leader))
    assert sorted(r.number for r in ledger.rows) == sorted(
        c.number for c in [*on_source, own])
    assert ledger.totals.open == 4
    rows = _sheet_rows(load_workbook(BytesIO(build_workbook(
        ledger, translator("zh_CN"), settings))).worksheets[1])  # the summary
    table = {r[0]: r[1] for r in rows if r and r[0] and isinstance(r[1], int)}
    assert table["Lakeside"] == 2  # Donglin's village: its own case and the source's
    assert table["所联系水源地（Donglin以外）"] == 2  # the source's two cases in Miaoxi
    assert [r[1] for r in rows if r and r[0] == "合计"] == [4, 4, 4]

    async with sessions() as session:  # the county manager's ledger is unchanged by the link
        county = await load_ledger(session, await scope_of(session, w.county_manager), NOW, TZ,
                                   LedgerMode.OPEN)
    assert county.totals.open == 5 and not [n for n, _ in county.by_cell if n.startswith("\0")]
