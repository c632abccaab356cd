"""The ledger as an .xlsx workbook: sheets "Ledger" (one row per case), "Summary" (figures by
part of the grid and by category) and "Overdue" (late cases with their owners).

Pure and blocking (`Ledger` in, bytes out): run it in a thread. Every string, typed by users or
not, is written as text, so "=1+1" or "@cmd" in a description never becomes a formula.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from services.deadlines import COLOUR_LABELS, colour_of
from services.digest import Figures
from services.i18n import N_, Translator
from services.ledger import OWN_ROW, Ledger, LedgerMode, LedgerRow
from services.settings import Settings
from services.workflow_rules import state_label

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "yyyy-mm-dd hh:mm"
TEXT_MAX = 32_767  # characters in one Excel cell
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # OWASP's CSV/formula injection list
ERROR_VALUES = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"})
WIDTH_SAMPLE = 2000  # rows looked at to size the columns
MIN_WIDTH, MAX_WIDTH = 6, 48
ROW_FILLS = {colour: PatternFill("solid", fgColor=rgb) for colour, rgb in
             (("yellow", "FFF2A8"), ("orange", "F8CBAD"), ("red", "FF9B9B"))}
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
BOLD = Font(bold=True)
HEADER_ALIGN = Alignment(vertical="center", wrap_text=True)
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\s]+')

SOURCE_LABELS = {
    "public": N_("public report"),
    "self": N_("self-inspection"),
    "assigned": N_("assigned from above"),
}
SEVERITY_LABELS = {"low": N_("low"), "medium": N_("medium"), "high": N_("high"),
                   "urgent": N_("urgent")}
ZONE_LABELS = {
    "grade1": N_("grade I protection zone"),
    "grade2": N_("grade II protection zone"),
    "quasi": N_("quasi-protection zone"),
}
FIGURE_HEADERS = (
    ("open", N_("Open")),
    ("overdue", N_("Overdue")),
    ("due_today", N_("Due today")),
    ("new", N_("New this week")),
    ("closed", N_("Struck off this week")),
)


# -- cells -------------------------------------------------------------------------------------


def clean_text(text: str) -> str:
    """What Excel can hold: no control characters, at most 32,767 characters."""
    cleaned: str = ILLEGAL_CHARACTERS_RE.sub("", text)
    return cleaned[:TEXT_MAX]


def _text(ws: Any, text: str, fill: Any = None) -> Any:
    """A string cell that stays a string (not a formula, not an error value), whatever it says;
    a risky first character also gets Excel's quote prefix, so re-editing it keeps it text."""
    cell = WriteOnlyCell(ws, value=clean_text(text))
    cell.data_type = "s"
    if cell.value.startswith(FORMULA_STARTS):
        cell.quotePrefix = True
    if fill is not None:
        cell.fill = fill
    return cell


def _value(ws: Any, value: object, tz: ZoneInfo, fill: Any = None) -> Any:
    """A cell for any value: text guarded, times in local time, plain values as they are."""
    if value is None or value == "":
        if fill is None:
            return None
        cell = WriteOnlyCell(ws, value=None)
    elif isinstance(value, str):
        needs_cell = (fill is not None or value.startswith(FORMULA_STARTS)
                      or value in ERROR_VALUES or ILLEGAL_CHARACTERS_RE.search(value)
                      or len(value) > TEXT_MAX)
        return _text(ws, value, fill) if needs_cell else value
    elif isinstance(value, datetime):
        cell = WriteOnlyCell(ws, value=value.astimezone(tz).replace(tzinfo=None))
        cell.number_format = DATE_FORMAT
    else:
        if fill is None:
            return value
        cell = WriteOnlyCell(ws, value=value)
    if fill is not None:
        cell.fill = fill
    return cell


def _header(ws: Any, titles: Sequence[str]) -> list[Any]:
    cells = []
    for title in titles:
        cell = _text(ws, title, HEADER_FILL)
        cell.font = BOLD
        cell.alignment = HEADER_ALIGN
        cells.append(cell)
    return cells


def display_width(text: str) -> int:
    """Columns a string takes: Chinese characters count two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _size_columns(ws: Any, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Width from the header and the first rows, within bounds (set before any row is written)."""
    widths = [display_width(h) + 2 for h in header]
    for index, row in enumerate(rows):
        if index >= WIDTH_SAMPLE:
            break
        for col, value in enumerate(row):
            if isinstance(value, datetime):
                widths[col] = max(widths[col], 17)
            elif value is not None:
                widths[col] = max(widths[col], display_width(str(value)) + 2)
    for col, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(col)].width = min(max(width, MIN_WIDTH), MAX_WIDTH)


# -- the sheets -------------------------------------------------------------------------------

LEDGER_HEADERS = (
    N_("No."), N_("Reported at"), N_("Source"), N_("Category"), N_("Severity"),
    N_("Emergency"), N_("Description"), N_("Place"), N_("Coordinates"), N_("Water source"),
    N_("Protection zone"), N_("State"), N_("Responsible cell"), N_("Handled by"),
    N_("Rectification task"), N_("Steps (road map)"), N_("Responsible person"),
    N_("Rectification deadline"), N_("Current deadline"), N_("Days overdue"),
    N_("Escalation colour"), N_("Struck off at"),
)
OVERDUE_HEADERS = (
    N_("No."), N_("Category"), N_("Responsible cell"), N_("Handled by"),
    N_("Responsible person"), N_("Current deadline"), N_("Days overdue"),
    N_("Escalation colour"), N_("State"),
)


class _Labels:
    """Codes to words in one language."""

    def __init__(self, t: Translator, settings: Settings) -> None:
        self.t = t
        self.settings = settings

    def label(self, table: dict[str, str], code: str | None) -> str:
        return self.t(table[code]) if code in table else (code or "")

    def category(self, code: str) -> str:
        found = self.settings.category(code)
        return found.name(self.t.language) if found else code

    def colour(self, level: int) -> str:
        return self.t(COLOUR_LABELS[colour_of(level)]) if level > 0 else ""


def _ledger_values(row: LedgerRow, words: _Labels) -> list[object]:
    t = words.t
    return [
        row.number, row.reported_at, words.label(SOURCE_LABELS, row.source),
        words.category(row.category), words.label(SEVERITY_LABELS, row.severity),
        t("yes") if row.emergency else "", row.description, " / ".join(row.place),
        f"{row.lat:.5f}, {row.lon:.5f}", row.water_source,
        words.label(ZONE_LABELS, row.zone), state_label(row.state, t), row.responsible_cell,
        row.assignee, row.plan_task, row.plan_steps, row.plan_owner, row.plan_due,
        row.due_at, row.overdue_days, words.colour(row.escalation_level), row.closed_at,
    ]


def _overdue_values(row: LedgerRow, words: _Labels) -> list[object]:
    return [
        row.number, words.category(row.category), row.responsible_cell, row.assignee,
        row.plan_owner, row.due_at, row.overdue_days, words.colour(row.escalation_level),
        state_label(row.state, words.t),
    ]


def _table_sheet(wb: Any, title: str, headers: Sequence[str], rows: Sequence[LedgerRow],
                 values: Callable[[LedgerRow], list[object]], tz: ZoneInfo) -> None:
    """A sheet with a frozen header, an auto-filter, sized columns and rows coloured by their
    escalation while open."""
    ws = wb.create_sheet(title)
    table = [values(r) for r in rows]
    _size_columns(ws, headers, table)
    ws.freeze_panes = "B2"
    ws.append(_header(ws, headers))
    for row, cells in zip(rows, table, strict=True):
        fill = ROW_FILLS.get(colour_of(row.escalation_level)) if row.is_open else None
        ws.append([_value(ws, v, tz, fill) for v in cells])
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"


def _figures_row(ws: Any, name: str, figures: Figures, bold: bool = False) -> list[Any]:
    cells = [_text(ws, name)] + [getattr(figures, key) for key, _ in FIGURE_HEADERS]
    if bold:
        cells = [c if not isinstance(c, int) else WriteOnlyCell(ws, value=c) for c in cells]
        for cell in cells:
            cell.font = BOLD
    return cells


def _summary_sheet(wb: Any, ledger: Ledger, words: _Labels, tz: ZoneInfo) -> None:
    t = words.t
    ws = wb.create_sheet(t("Summary"))
    headers = [t(h) for _, h in FIGURE_HEADERS]
    names = [n for n, _ in ledger.by_cell] + [words.category(c) for c, _ in ledger.by_category]
    _size_columns(ws, [t("Part of the grid"), *headers], [[n] for n in names])
    title = _text(ws, title_of(ledger, t, tz))
    title.font = Font(bold=True, size=14)
    ws.append([title])
    ws.append([_text(ws, t("Made at {time}; this week began {start}.",
                           time=_local(ledger.generated_at, tz),
                           start=_local(ledger.week_start, tz)))])
    listed = (t("open cases only") if ledger.mode is LedgerMode.OPEN
              else t("all cases, struck off ones included"))
    ws.append([_text(ws, t("The ledger sheet lists {count} cases: {which}.",
                           count=len(ledger.rows), which=listed))])
    if ledger.truncated:
        ws.append([_text(ws, t("Only the oldest {count} cases are listed; the command line "
                               "exports the whole ledger.", count=len(ledger.rows)))])
    ws.append([])
    own = t("{cell} itself", cell=ledger.scope_name)
    by_cell = [(name if name != OWN_ROW else own, f) for name, f in ledger.by_cell]
    for first, lines in ((t("Part of the grid"), by_cell),
                         (t("Category"), [(words.category(c), f) for c, f in ledger.by_category])):
        ws.append(_header(ws, [first, *headers]))
        for name, figures in lines:
            ws.append(_figures_row(ws, name, figures))
        ws.append(_figures_row(ws, t("Total"), ledger.totals, bold=True))
        ws.append([])


def _local(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def title_of(ledger: Ledger, t: Translator, tz: ZoneInfo) -> str:
    scope = ledger.scope_name or t("the whole grid")
    return t("Ledger of {scope}, {date}", scope=scope,
             date=ledger.generated_at.astimezone(tz).date().isoformat())


def file_name(ledger: Ledger, t: Translator, tz: ZoneInfo) -> str:
    """`台账-吴兴区-2026-11-28.xlsx`: what the office files it under."""
    scope = ledger.scope_name or t("the whole grid")
    date = ledger.generated_at.astimezone(tz).date().isoformat()
    parts = [_UNSAFE_NAME.sub("_", p).strip("_.") for p in (t("Ledger"), scope)]
    return "-".join([*(p for p in parts if p), date]) + ".xlsx"


def build_workbook(ledger: Ledger, t: Translator, settings: Settings) -> bytes:
    """The .xlsx bytes, headers and words in `t`'s language, times in the configured zone."""
    tz = ZoneInfo(settings.locale.timezone)
    words = _Labels(t, settings)
    wb = Workbook(write_only=True)
    wb.properties.title = title_of(ledger, t, tz)
    wb.properties.creator = "gridpatrol"
    _table_sheet(wb, t("Ledger"), [t(h) for h in LEDGER_HEADERS], ledger.rows,
                 lambda r: _ledger_values(r, words), tz)
    _summary_sheet(wb, ledger, words, tz)
    late = sorted(ledger.overdue, key=lambda r: (-(r.overdue_days or 0), r.number))
    _table_sheet(wb, t("Overdue cases"), [t(h) for h in OVERDUE_HEADERS], late,
                 lambda r: _overdue_values(r, words), tz)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
