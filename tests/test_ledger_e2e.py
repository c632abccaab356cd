"""`/ledger` through the real bot on the emulated Telegram: a county manager receives the
spreadsheet of their county, a volunteer is told politely that the ledger is not theirs."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import load_workbook  # type: ignore[import-untyped]
from sqlalchemy import select

from models import Case, CaseState, GridCell, Member, Role, utcnow
from models.db import SessionFactory
from services.ledger import XLSX_MIME
from tests.harness import SimUser, TelegramHarness

WUXING, WUXING_VILLAGE, NANXUN = "330502", "330502100004", "330503"


async def _member(h: TelegramHarness, user: SimUser, role: Role, code: str | None,
                  language: str) -> None:
    """The user opens the chat with /start, then gets a role (as an invite would give)."""
    await h.send_text(user, "/start")
    sessions: SessionFactory = h.app.bot_data["deps"].sessions
    async with sessions() as s:
        member = await s.scalar(select(Member).where(Member.platform_user_id == str(user.id)))
        assert member is not None
        if code is not None:
            member.cell_id = await s.scalar(select(GridCell.id).where(GridCell.code == code))
        member.role, member.language = role, language
        await s.commit()


async def _case(h: TelegramHarness, number: str, code: str, description: str, **values: Any
                ) -> None:
    sessions: SessionFactory = h.app.bot_data["deps"].sessions
    async with sessions() as s:
        cell_id = await s.scalar(select(GridCell.id).where(GridCell.code == code))
        assert cell_id is not None
        s.add(Case(number=number, category="garbage", severity="medium", lat=30.8, lon=120.0,
                   origin_cell_id=cell_id, cell_id=cell_id, description=description,
                   created_at=utcnow() - timedelta(days=2), **values))
        await s.commit()


def _workbook(h: TelegramHarness, message: dict[str, Any]) -> Any:
    stored = h.emulator.state.files[message["document"]["file_id"]]
    return load_workbook(BytesIO(stored.data))


async def test_a_county_manager_gets_the_county_ledger_as_a_spreadsheet(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    manager = h.user("County", "zh-hans")
    await _member(h, manager, Role.MANAGER, WUXING, "zh_CN")
    await _case(h, "HZ-E2E-1", WUXING_VILLAGE, "=1+1 垃圾", state=CaseState.ACCEPTED,
                due_at=utcnow() - timedelta(days=1, hours=2), escalation_level=1)
    await _case(h, "HZ-E2E-2", WUXING_VILLAGE, "closed", state=CaseState.CLOSED,
                closed_at=utcnow() - timedelta(hours=1))
    await _case(h, "HZ-E2E-3", NANXUN, "another county", state=CaseState.SUBMITTED)

    await h.send_text(manager, "/ledger")
    sent = h.last_message(manager)
    today = utcnow().astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()
    assert sent["document"]["file_name"] == f"台账-吴兴区-{today}.xlsx"
    assert sent["document"]["mime_type"] == XLSX_MIME
    assert "共 1 件，其中逾期 1 件" in sent["caption"]
    book = _workbook(h, sent)
    rows = list(book["台账"].iter_rows(values_only=True))
    assert rows[0][0] == f"吴兴区台账（仅未办结案件，{today}）"
    assert [r[1] for r in rows[2:]] == ["HZ-E2E-1"]
    assert rows[2][8] == "=1+1 垃圾"
    assert rows[2][9] == "吴兴区 / 妙西镇 / 妙西东北村"

    await h.send_text(manager, "/ledger all")
    book = _workbook(h, h.last_message(manager))
    numbers = [r[1] for r in book["台账"].iter_rows(min_row=3, values_only=True)]
    assert numbers == ["HZ-E2E-1", "HZ-E2E-2"]  # the other county's case is not there
    summary = list(book["统计"].iter_rows(values_only=True))
    assert summary[0][0] == f"吴兴区台账（{today}）"
    total = next(r for r in summary if r[0] == "合计")
    assert total[1:3] == (1, 1)  # open, overdue


async def test_a_volunteer_is_refused_politely_and_a_bad_word_explained(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    volunteer, manager = h.user("Volunteer", "en"), h.user("Manager", "en")
    await _member(h, volunteer, Role.VOLUNTEER, None, "en")
    await _member(h, manager, Role.MANAGER, WUXING, "en")
    await h.send_text(volunteer, "/ledger")
    answer = h.last_message(volunteer)
    assert "document" not in answer
    assert answer["text"].startswith("The ledger is kept by grid managers")
    await h.send_text(manager, "/ledger everything")
    answer = h.last_message(manager)
    assert "document" not in answer
    assert answer["text"] == "Send /ledger for the open cases, or /ledger all for every case."
    await h.send_text(manager, "/ledger ALL")
    assert h.last_message(manager)["document"]["file_name"].startswith("Ledger-吴兴区-")


async def test_in_a_group_the_ledger_is_not_posted(bot_harness: TelegramHarness) -> None:
    h = bot_harness
    manager = h.user("Manager", "en")
    await _member(h, manager, Role.MANAGER, WUXING, "en")
    group = h.group("Wuxing office", [manager])
    await h.send_text(manager, "/ledger", chat=group)
    answer = h.last_message(group)
    assert "document" not in answer
    assert answer["text"].startswith("The ledger names people and places")
    assert all("document" not in m for m in h.messages_to(group))


async def test_who_accepted_a_case_is_its_handler_in_the_ledger_at_once(
    bot_harness: TelegramHarness,
) -> None:
    from tests.report_world import press
    from tests.test_case_actions import VILLAGE, person, report_a_case, send_outbox

    h = bot_harness
    manager = await person(h, 5001, "Village manager", VILLAGE)
    volunteer = await person(h, 6001, "Volunteer")
    case = await report_a_case(h, volunteer)
    await send_outbox(h)
    await press(h, manager, "Accept")
    await h.send_text(manager, "/ledger")
    rows = list(_workbook(h, h.last_message(manager))["Ledger"].iter_rows(values_only=True))
    line = dict(zip(rows[1], next(r for r in rows[2:] if r[1] == case.number), strict=True))
    assert (line["Serial no."], line["Reported by"], line["Handled by"]) == (
        1, "Volunteer", "Village manager")
