"""The meeting pack as the office hands it out: a Word file to read at the table and a workbook
to work the lists from (red and overdue cases, campaigns, open orders). Pure and blocking:
`MeetingPack` in, bytes out."""

from __future__ import annotations

import re
from io import BytesIO

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.styles import Font, PatternFill  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from services.campaigns import day_label, progress_lines
from services.deadlines import STAGE_LABELS
from services.documents import heading, masthead, paragraph, table, text_cell, word_bytes
from services.i18n import N_, Translator
from services.meetings.load import LateCase, MeetingPack, OpenOrder
from services.orders import ORDER_STATE_LABELS
from services.settings import Settings

LATE_HEADERS = (N_("Case"), N_("Grid cell"), N_("Category"), N_("Stage"), N_("Held by"),
                N_("Days late"), N_("Red"))
ORDER_HEADERS = (N_("Order"), N_("Case"), N_("Addressed to"), N_("Demand"), N_("Deadline"),
                 N_("State"), N_("Days late"))
_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')


def title_of(pack: MeetingPack, t: Translator) -> str:
    scope = pack.scope_name or t("the whole grid")
    return t("Fortnightly meeting of {scope}: the list to go over ({date})", scope=scope,
             date=pack.as_of.isoformat())


def pack_name(pack: MeetingPack, t: Translator, extension: str) -> str:
    """'例会-<scope>-<date>.<extension>', safe as a file name."""
    scope = _UNSAFE.sub("_", pack.scope_name or t("the whole grid")).strip("_") or "grid"
    return f"{t('meeting')}-{scope}-{pack.as_of.isoformat()}.{extension}"


def figures_line(pack: MeetingPack, t: Translator) -> str:
    f = pack.totals
    return t("From {since} to {date}: {new} new, {closed} struck off; {open} open now, {overdue} "
             "of them overdue.", since=pack.since.isoformat(), date=pack.as_of.isoformat(),
             new=f.new, closed=f.closed, open=f.open, overdue=f.overdue)


def _late_values(line: LateCase, t: Translator, settings: Settings) -> list[object]:
    category = settings.category(line.category)
    stage = t(STAGE_LABELS[line.stage]) if line.stage in STAGE_LABELS else line.stage
    return [line.number, line.cell, category.name(t.language) if category else line.category,
            stage, line.owner or t("no one yet"), line.days_late, t("yes") if line.red else ""]


def _order_values(order: OpenOrder, t: Translator) -> list[object]:
    return [order.number, order.case_number, order.cell,
            order.demand or t("Finish the current stage by the deadline."),
            day_label(order.deadline, t), order_state_label(order.state, t), order.days_late]


def order_state_label(state: str, t: Translator) -> str:
    return t(ORDER_STATE_LABELS[state]) if state in ORDER_STATE_LABELS else state


def build_meeting_docx(pack: MeetingPack, t: Translator, settings: Settings) -> bytes:
    scope = pack.scope_name or t("the whole grid")
    doc = masthead(settings.documents.issuing_body, f"{scope} · {pack.as_of.isoformat()}",
                   t("Fortnightly meeting"))
    paragraph(doc, figures_line(pack, t))
    heading(doc, t("1. Red and overdue cases"))
    if pack.late:
        table(doc, [t(h) for h in LATE_HEADERS],
              [_late_values(line, t, settings) for line in pack.late])
    else:
        paragraph(doc, t("None."))
    heading(doc, t("2. Campaigns"))
    for progress in pack.campaigns:
        for line in progress_lines(progress, t):
            paragraph(doc, line)
    if not pack.campaigns:
        paragraph(doc, t("None."))
    heading(doc, t("3. Supervision orders still open"))
    if pack.orders:
        table(doc, [t(h) for h in ORDER_HEADERS], [_order_values(o, t) for o in pack.orders])
    else:
        paragraph(doc, t("None."))
    paragraph(doc, settings.documents.issuing_body, right=True)
    paragraph(doc, pack.as_of.isoformat(), right=True)
    return word_bytes(doc)


def _sheet(ws: object, title: str, headers: list[str], rows: list[list[object]]) -> None:
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)  # type: ignore[attr-defined]
    fill = PatternFill("solid", fgColor="D9E1F2")
    for column, header in enumerate(headers, start=1):
        cell = text_cell(ws, 2, column, header)
        cell.font, cell.fill = Font(bold=True), fill
        letter = get_column_letter(column)
        ws.column_dimensions[letter].width = 30 if column == 4 else 16  # type: ignore[attr-defined]
    for index, row in enumerate(rows, start=3):
        for column, value in enumerate(row, start=1):
            if isinstance(value, int):
                ws.cell(row=index, column=column, value=value)  # type: ignore[attr-defined]
            else:
                text_cell(ws, index, column, str(value))
    ws.freeze_panes = "A3"  # type: ignore[attr-defined]


def build_meeting_xlsx(pack: MeetingPack, t: Translator, settings: Settings) -> bytes:
    book = Workbook()
    late = book.active
    late.title = t("Red and overdue")[:31]
    _sheet(late, title_of(pack, t), [t(h) for h in LATE_HEADERS],
           [_late_values(line, t, settings) for line in pack.late])
    text_cell(late, len(pack.late) + 4, 1, figures_line(pack, t))
    campaigns = book.create_sheet(t("Campaigns")[:31])
    lines: list[list[object]] = [[line] for p in pack.campaigns for line in progress_lines(p, t)]
    _sheet(campaigns, t("Campaigns"), [t("Progress")], lines)
    orders = book.create_sheet(t("Open orders")[:31])
    _sheet(orders, t("Supervision orders still open"), [t(h) for h in ORDER_HEADERS],
           [_order_values(o, t) for o in pack.orders])
    out = BytesIO()
    book.save(out)
    return out.getvalue()
