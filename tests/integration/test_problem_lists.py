"""Problem lists (交办清单, self-inspection) imported as cases, with the article's own figures:
nine self-inspection problems, five rectified and four due 30 November, and one from the
ministry due 31 October; the campaign's figures and progress sheet say exactly that."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]
from sqlalchemy import select

from models import Case, CaseEvent, CaseSource, CaseState, Outbox, Stage
from models.db import SessionFactory
from services.campaigns import (
    build_progress_sheet,
    campaign_by_name,
    load_progress,
    progress_lines,
)
from services.deadlines import sweep
from services.i18n import translator
from services.problems import ProblemListRefused, import_problems, read_csv, read_xlsx
from services.settings import Settings
from tests.support.problems import (
    EXAMPLE_CSV,
    EXAMPLE_XLSX,
    counts,
    demo_world,
    example_maker,
)

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 10, 10, 9, 0, tzinfo=TZ).astimezone(UTC)
MAKER = example_maker()
SELF_LINE = "自查问题 9 个，已整改 5 个，4 个按计划推进，11月30日前完成"
ASSIGNED_LINE = "上级交办问题 1 个，已整改 0 个，1 个按计划推进，10月31日前完成"


async def _import(sessions: SessionFactory, settings: Settings, data: bytes) -> Any:
    async with sessions() as session:
        report = await import_problems(session, read_xlsx(data), settings, NOW,
                                       source_file="list.xlsx")
        await session.commit()
    return report


async def test_the_articles_list_becomes_its_figures_and_its_progress_sheet(
    settings: Settings, session_factory: SessionFactory, demo_grid_collection: dict[str, Any],
) -> None:
    manager_id = await demo_world(session_factory, demo_grid_collection)
    report = await _import(session_factory, settings, MAKER.xlsx_bytes())
    assert (len(report.created), report.open_count, report.closed_count) == (10, 5, 5)
    assert report.campaigns_created == [(MAKER.CAMPAIGN, datetime(2026, 11, 30).date())]

    async with session_factory() as session:
        cases = list(await session.scalars(select(Case).order_by(Case.id)))
        ministry = cases[0]
        assert (ministry.source, ministry.issuer, ministry.issue_number) == (
            CaseSource.ASSIGNED, "生态环境部", "环办交〔2026〕1号-01")
        assert ministry.state == CaseState.RECTIFYING and ministry.stage == Stage.RECTIFY
        assert ministry.due_at is not None
        assert ministry.due_at.astimezone(TZ).date().isoformat() == "2026-10-31"
        assert ministry.reporter_id is None and ministry.next_alarm_at is not None
        assert [c.state for c in cases[1:6]] == [CaseState.CLOSED] * 5
        assert all(c.source == CaseSource.SELF and c.issuer == "湖州市" for c in cases[1:])
        kinds = {(e.case_id, e.kind) for e in await session.scalars(select(CaseEvent))}
        assert (ministry.id, "imported") in kinds and (cases[1].id, "closed") in kinds
        alerts = list(await session.scalars(select(Outbox).where(Outbox.kind == "case_new")))
        # the manager of 妙西东北村 hears of the open problems there (ministry's, ZC-2026-06)
        assert sorted(a.case_id for a in alerts if a.recipient_id == manager_id) == sorted(
            [ministry.id, cases[6].id])
        campaign = await campaign_by_name(session, MAKER.CAMPAIGN)
        assert campaign is not None
        progress = await load_progress(session, campaign, NOW, TZ)

    assert (progress.total.total, progress.total.rectified, progress.total.on_schedule,
            progress.total.overdue) == (10, 5, 5, 0)
    mine = progress.by_origin["self"]
    assert (mine.total, mine.rectified, mine.on_schedule, mine.overdue) == (9, 5, 4, 0)
    assert progress.by_origin["assigned"].due_on.isoformat() == "2026-10-31"
    t = translator("zh_CN")
    lines = progress_lines(progress, t)
    assert lines[1:] == [ASSIGNED_LINE, SELF_LINE]
    assert lines[0] == f"{MAKER.CAMPAIGN}（全部网格）：共 10 个问题，11月30日前全部完成"
    en = progress_lines(progress, translator("en"))
    assert en[2] == ("9 problems found in self-inspection, 5 rectified, 4 on schedule, "
                     "due by November 30")

    book = load_workbook(io.BytesIO(build_progress_sheet(progress, t, settings)))
    sheet = book.active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == lines[0] and values[1][0] == ASSIGNED_LINE
    assert values[2][0] == SELF_LINE
    header_at = next(i for i, row in enumerate(values) if row[0] == "序号")
    assert values[header_at] == ("序号", "水源地名称", "保护区类型", "问题类型", "具体情况",
                                 "整治措施", "计划完成时间", "进展情况", "是否完成", "整治进度%")
    rows = values[header_at + 1:]
    assert len(rows) == 10
    assert [r[8] for r in rows].count("是") == 5 and [r[8] for r in rows].count("否") == 5
    first = rows[0]
    assert first[1:7] == ("老虎潭水库", "二级保护区", "排污口/污水直排",
                          "二级保护区内一处雨污混接排口", "截污纳管，封堵排口", "2026年10月31日")
    assert first[7] == "整改中" and first[9] == 50
    assert {r[9] for r in rows if r[8] == "是"} == {100}
    assert sheet.print_title_rows == f"${header_at + 1}:${header_at + 1}"


async def test_importing_the_same_list_again_changes_nothing(
    settings: Settings, session_factory: SessionFactory, demo_grid_collection: dict[str, Any],
) -> None:
    await demo_world(session_factory, demo_grid_collection)
    await _import(session_factory, settings, MAKER.xlsx_bytes())
    before = await counts(session_factory)
    again = await _import(session_factory, settings, MAKER.xlsx_bytes())
    assert (len(again.created), len(again.unchanged), again.campaigns_created) == (0, 10, [])
    assert again.linked == {MAKER.CAMPAIGN: 0}
    assert await counts(session_factory) == before
    async with session_factory() as session:  # the CSV of the same list is the same list
        await import_problems(session, read_csv(MAKER.csv_bytes()), settings, NOW)
        await session.commit()
    assert await counts(session_factory) == before


BAD_ROWS = (
    ("ZC-1", "自查", "湖州市", "老虎潭水库", "妙西东北村", "外星人", "不明问题", "", "",
     "2026-11-30", "", "", "", ""),
    ("ZC-2", "自查", "湖州市", "老虎潭水库", "无此村", "垃圾堆放", "垃圾", "", "", "2026-11-31",
     "", "", "", ""),
    ("ZC-3", "自查", "湖州市", "", "", "垃圾堆放", "垃圾", "", "", "", "", "", "", ""),
    ("ZC-4", "自查", "湖州市", "老虎潭水库", "妙西东北村", "垃圾堆放", "好的一行", "", "",
     "2026-11-30", "", "", "", ""),
    ("ZC-4", "交接", "湖州市", "老虎潭水库", "妙西东北村", "垃圾堆放", "重复编号", "", "",
     "2026-11-30", "", "五级", "也许", ""),
)


async def test_a_list_with_bad_rows_names_each_with_its_reasons_and_imports_none(
    settings: Settings, session_factory: SessionFactory, demo_grid_collection: dict[str, Any],
) -> None:
    await demo_world(session_factory, demo_grid_collection)
    before = await counts(session_factory)
    with pytest.raises(ProblemListRefused) as refused:
        await _import(session_factory, settings, MAKER.xlsx_bytes(BAD_ROWS))
    problems = refused.value.problems
    assert len(problems) == 4  # row 6 (ZC-4, the good one) is not named
    assert problems[0].startswith("row 3: 问题类型 (category) '外星人'")
    assert problems[1].startswith("row 4: place '无此村': no such place in the grid")
    assert "'2026-11-31' is no date" in problems[1]
    assert problems[2] == ("row 5: no responsible cell: fill 责任网格, 地点 or 水源地; "
                           "整改时限 (deadline) is empty (an open problem needs its date)"
                           ) or ("整改时限 (deadline) is empty" in problems[2]
                                 and "no responsible cell" in problems[2])
    assert problems[3].startswith("row 7: ")
    for reason in ("来源 (origin) '交接'", "保护区类型 (zone) '五级'", "是否完成 (status) '也许'",
                   "repeats row 6"):
        assert reason in problems[3]
    assert await counts(session_factory) == before


def test_the_example_files_are_what_the_script_writes() -> None:
    made = [r.values for r in read_xlsx(MAKER.xlsx_bytes())]
    assert [r.values for r in read_xlsx(EXAMPLE_XLSX.read_bytes())] == made
    assert [r.values for r in read_csv(EXAMPLE_CSV.read_bytes())] == made
    assert [r.values for r in read_csv(MAKER.csv_bytes())] == made
    assert len(made) == 10


async def test_an_open_listed_problem_is_chased_by_the_sweep_as_its_date_nears(
    settings: Settings, session_factory: SessionFactory, demo_grid_collection: dict[str, Any],
) -> None:
    manager_id = await demo_world(session_factory, demo_grid_collection)
    await _import(session_factory, settings, MAKER.xlsx_bytes())
    halfway = datetime(2026, 10, 21, 12, 0, tzinfo=TZ).astimezone(UTC)  # of 10 to 31 October
    report = await sweep(session_factory, settings, halfway)
    assert (report.reminders, report.escalations) == (1, 0)  # the ministry's problem alone
    async with session_factory() as session:
        reminders = list(await session.scalars(select(Outbox).where(Outbox.kind == "reminder")))
    assert [r.recipient_id for r in reminders] == [manager_id]
    late = datetime(2026, 11, 1, 9, 0, tzinfo=TZ).astimezone(UTC)
    assert (await sweep(session_factory, settings, late)).escalations == 1
