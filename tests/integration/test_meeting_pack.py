"""/meeting gives the fortnightly meeting (每半月例会) its pack as a Word file and a workbook: the
period's figures, the red and overdue cases with owners and days late, the campaigns' progress
and the supervision orders still open, for the member's part of the grid only."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

from docx import Document
from openpyxl import load_workbook  # type: ignore[import-untyped]
from sqlalchemy import select

from models import Campaign, Case, CaseState, GridCell, Member, Role, SupervisionOrder, utcnow
from models.db import SessionFactory
from tests.support.harness import TelegramHarness
from tests.support.ledger import NANXUN, WUXING, WUXING_VILLAGE, add_case, with_role

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _text(document: Any) -> str:
    lines = [p.text for p in document.paragraphs]
    for grid in document.tables:
        lines += [" | ".join(cell.text for cell in row.cells) for row in grid.rows]
    return "\n".join(lines)


async def _office_day(h: TelegramHarness) -> None:
    """Two overdue cases and one red in 吴兴区 (one held by 王芳), one overdue in 南浔区, an open
    order on the first, a settled one on the second, and a campaign over the county."""
    sessions: SessionFactory = h.app.bot_data["deps"].sessions
    now = utcnow()
    await add_case(h, "HZ-M-1", WUXING_VILLAGE, "倾倒垃圾", state=CaseState.RECTIFYING,
                   stage="rectify", due_at=now - timedelta(days=3, hours=1))
    await add_case(h, "HZ-M-2", WUXING_VILLAGE, "新增排污口", state=CaseState.ACCEPTED,
                   stage="plan", due_at=now + timedelta(days=2), escalation_level=3)
    await add_case(h, "HZ-M-3", WUXING_VILLAGE, "按期推进", state=CaseState.ACCEPTED,
                   stage="plan", due_at=now + timedelta(days=5))
    await add_case(h, "HZ-M-4", NANXUN, "另一个区", state=CaseState.ACCEPTED, stage="plan",
                   due_at=now - timedelta(days=1, hours=1))
    async with sessions() as s:
        cases = {c.number: c for c in await s.scalars(select(Case))}
        holder = Member(platform_user_id="9001", chat_id="9001", display_name="王芳",
                        role=Role.MANAGER, cell_id=cases["HZ-M-1"].cell_id)
        s.add(holder)
        await s.flush()
        cases["HZ-M-1"].assignee_id = holder.id
        county = await s.scalar(select(GridCell).where(GridCell.code == WUXING))
        assert county is not None
        for n, number, state in ((1, "HZ-M-1", "issued"), (2, "HZ-M-2", "resolved")):
            case = cases[number]
            s.add(SupervisionOrder(number=f"湖水督〔2026〕{n}号", case_id=case.id,
                                   target_cell_id=case.cell_id, demand="三日内清理到位",
                                   deadline=now - timedelta(days=1), state=state,
                                   issued_at=now - timedelta(days=4)))
        s.add(Campaign(name="清废行动", due_on=date(2026, 12, 31), cell_id=county.id))
        await s.commit()


async def test_a_county_manager_gets_the_meeting_pack_of_their_county(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    manager = h.user("County", "zh-hans")
    await with_role(h, manager, Role.MANAGER, WUXING, "zh_CN")
    await _office_day(h)

    await h.send_text(manager, "/meeting")
    word, book = h.messages_to(manager)[-2:]
    today = utcnow().astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()
    assert word["document"]["file_name"] == f"例会-吴兴区-{today}.docx"
    assert word["document"]["mime_type"] == DOCX
    assert "红色或逾期案件 2 件，专项行动 1 个，未办结督办单 1 件。" in word["caption"]
    text = _text(Document(BytesIO(h.emulator.state.files[word["document"]["file_id"]].data)))
    assert "每半月例会材料" in text and f"吴兴区 · {today}" in text
    assert "湖州市饮用水水源地保护工作领导小组办公室" in text
    assert "现未办结 3 件，其中逾期 1 件" in text
    assert "HZ-M-1 | 妙西东北村 | 垃圾堆放 | 整改 | 王芳 | 3 | " in text
    assert "HZ-M-2 | 妙西东北村 |" in text and "| 0 | 是" in text
    assert "HZ-M-3" not in text and "HZ-M-4" not in text  # on schedule; another county
    assert "湖水督〔2026〕1号 | HZ-M-1 | 妙西东北村 | 三日内清理到位 |" in text
    assert "已下发，尚未签收 | 1" in text and "湖水督〔2026〕2号" not in text
    assert "清废行动（吴兴区）：共 3 个问题，12月31日前全部完成" in text

    sheets = load_workbook(BytesIO(h.emulator.state.files[book["document"]["file_id"]].data))
    late = [r for r in sheets["红色和逾期"].iter_rows(min_row=3, values_only=True) if r[0]]
    assert [(r[0], r[4], r[5]) for r in late[:2]] == [("HZ-M-1", "王芳", 3), ("HZ-M-2", "暂无", 0)]
    orders = list(sheets["未办结督办单"].iter_rows(min_row=3, values_only=True))
    assert [r[0] for r in orders] == ["湖水督〔2026〕1号"]


async def test_a_volunteer_has_no_meeting_pack(bot_harness: TelegramHarness) -> None:
    h = bot_harness
    walker = h.user("Walker", "en")
    await with_role(h, walker, Role.VOLUNTEER, None, "en")
    await h.send_text(walker, "/meeting")
    assert "for grid managers, leaders and supervisors" in h.last_message(walker)["text"]
