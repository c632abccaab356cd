"""`/ledger` through the real bot on the emulated Telegram: a county manager receives the
spreadsheet of their county, a volunteer is told politely that the ledger is not theirs."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import load_workbook  # type: ignore[import-untyped]

from models import CaseState, Role, utcnow
from services.ledger import XLSX_MIME
from tests.support.harness import TelegramHarness
from tests.support.ledger import NANXUN, WUXING, WUXING_VILLAGE, add_case, with_role


def _workbook(h: TelegramHarness, message: dict[str, Any]) -> Any:
    stored = h.emulator.state.files[message["document"]["file_id"]]
    return load_workbook(BytesIO(stored.data))


async def test_a_county_manager_gets_the_county_ledger_as_a_spreadsheet(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    manager = h.user("County", "zh-hans")
    await with_role(h, manager, Role.MANAGER, WUXING, "zh_CN")
    await add_case(h, "HZ-E2E-1", WUXING_VILLAGE, "=1+1 垃圾", state=CaseState.ACCEPTED,
                due_at=utcnow() - timedelta(days=1, hours=2), escalation_level=1)
    await add_case(h, "HZ-E2E-2", WUXING_VILLAGE, "closed", state=CaseState.CLOSED,
                closed_at=utcnow() - timedelta(hours=1))
    await add_case(h, "HZ-E2E-3", NANXUN, "another county", state=CaseState.SUBMITTED)

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
    await with_role(h, volunteer, Role.VOLUNTEER, None, "en")
    await with_role(h, manager, Role.MANAGER, WUXING, "en")
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
    await with_role(h, manager, Role.MANAGER, WUXING, "en")
    group = h.group("Wuxing office", [manager])
    await h.send_text(manager, "/ledger", chat=group)
    answer = h.last_message(group)
    assert "document" not in answer
    assert answer["text"].startswith("The ledger names people and places")
    assert all("document" not in m for m in h.messages_to(group))


async def test_who_accepted_a_case_is_its_handler_in_the_ledger_at_once(
    bot_harness: TelegramHarness,
) -> None:
    from tests.support.cases import person, report_a_case, send_outbox
    from tests.support.report_world import VILLAGE, press

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
