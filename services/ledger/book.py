"""The ledger as an .xlsx workbook: sheets "Ledger" (one row per case), "Summary" (figures by
part of the grid, by category and by source) and "Overdue" (late cases with their owners).
Each sheet prints as an office files it: a title row (cell, which cases, date), the header
repeated on every page, landscape, fitted to the page width, pages numbered.

Pure and blocking (`Ledger` in, bytes out): run it in a thread. Every string, typed by users or
not, is written as text, so "=1+1" or "@cmd" in a description never becomes a formula.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from copy import copy
from datetime import datetime
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from openpyxl.worksheet.cell_range import CellRange  # type: ignore[import-untyped]
from openpyxl.worksheet.worksheet import Worksheet  # type: ignore[import-untyped]

from services.campaigns import Standing, day_label
from services.cases import state_label
from services.deadlines import COLOUR_LABELS, colour_of
from services.figures import Figures
from services.i18n import N_, Translator
from services.ledger.load import BEYOND_ROW, OWN_ROW, Ledger, LedgerMode, LedgerRow
from services.patrols.sheet import write_patrol_sheet
from services.settings import Settings

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "yyyy-mm-dd hh:mm"
TEXT_MAX = 32_767  # characters in one Excel cell
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # OWASP's CSV/formula injection list
ERROR_VALUES = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"})
WIDTH_SAMPLE = 2000  # rows looked at to size the columns
MIN_WIDTH, MAX_WIDTH = 6, 48
# Looks a cell can have, by name: the escalation colours fill whole rows.
LOOKS: dict[str, dict[str, Any]] = {
    "yellow": {"fill": PatternFill("solid", fgColor="FFF2A8")},
    "orange": {"fill": PatternFill("solid", fgColor="F8CBAD")},
    "red": {"fill": PatternFill("solid", fgColor="FF9B9B")},
    "header": {"fill": PatternFill("solid", fgColor="D9E1F2"), "font": Font(bold=True),
               "alignment": Alignment(vertical="center", wrap_text=True)},
    "bold": {"font": Font(bold=True)},
    "title": {"font": Font(bold=True, size=14)},
}
A4 = Worksheet.PAPERSIZE_A4
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


class _Cells:
    """The cells of one sheet. Each look (see LOOKS; date; quote prefix) is styled once and its
    style copied: openpyxl hashes every style object it is handed, which would otherwise cost
    more than writing the ledger."""

    def __init__(self, ws: Any, tz: ZoneInfo) -> None:
        self.ws = ws
        self.tz = tz
        self._looks: dict[tuple[str, bool, bool], Any] = {}

    def _cell(self, value: object, name: str, date: bool = False, quote: bool = False) -> Any:
        key = (name, date, quote)
        look = self._looks.get(key)
        if look is None:
            look = WriteOnlyCell(self.ws)
            for attribute, style in LOOKS.get(name, {}).items():
                setattr(look, attribute, style)
            if date:
                look.number_format = DATE_FORMAT
            if quote:
                look.quotePrefix = True
            self._looks[key] = look
        cell = WriteOnlyCell(self.ws)
        cell._style = copy(look._style)  # openpyxl copies styles this way itself
        cell.value = value
        return cell

    def text(self, text: str, look: str = "") -> Any:
        """A string cell that stays a string (not a formula, not an error value), whatever it
        says; a risky first character also gets Excel's quote prefix, so editing it keeps it
        text."""
        clean = clean_text(text)
        cell = self._cell(clean, look, quote=clean.startswith(FORMULA_STARTS))
        cell.data_type = "s"
        return cell

    def value(self, value: object, look: str = "") -> Any:
        """Any value: text guarded, times in local time, plain values as they are."""
        if isinstance(value, str) and value:
            risky = (value.startswith(FORMULA_STARTS) or value in ERROR_VALUES
                     or len(value) > TEXT_MAX or ILLEGAL_CHARACTERS_RE.search(value) is not None)
            return self.text(value, look) if look or risky else value
        if isinstance(value, datetime):
            return self._cell(value.astimezone(self.tz).replace(tzinfo=None), look, date=True)
        if value is None or value == "":
            return self._cell(None, look) if look else None
        return self._cell(value, look) if look else value

    def header(self, titles: Sequence[str]) -> list[Any]:
        return [self.text(title, "header") for title in titles]


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

SERIAL = N_("Serial no.")  # 序号: the first column of every table, 1, 2, 3 ...
LEDGER_HEADERS = (
    N_("No."), N_("Reported at"), N_("Reported by"), N_("Source"), N_("Category"),
    N_("Severity"), N_("Emergency"), N_("Description"), N_("Place"), N_("Coordinates"),
    N_("Water source"), N_("Protection zone"), N_("State"), N_("Responsible cell"),
    N_("Handled by"), N_("Rectification task"), N_("Steps (road map)"),
    N_("Responsible person"), N_("Rectification deadline"), N_("Current deadline"),
    N_("Days overdue"), N_("Escalation colour"), N_("Fixed at"), N_("Checked by"),
    N_("Checked at"), N_("Struck off at"), N_("Campaign"),
)
OVERDUE_HEADERS = (
    N_("No."), N_("Category"), N_("Responsible cell"), N_("Handled by"),
    N_("Responsible person"), N_("Current deadline"), N_("Days overdue"),
    N_("Escalation colour"), N_("State"),
)
TITLE_ROWS = "1:2"  # the title and the header, printed on top of every page
FOOTER = N_("Page &P of &N")  # Excel's codes: this page, the number of pages


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


def _point(row: LedgerRow, t: Translator) -> str:
    """The measured point, or that the village was chosen from the list (no coordinates)."""
    if row.lat is None or row.lon is None:
        return t("chosen from the list: {name}", name=row.place[-1] if row.place else "?")
    return f"{row.lat:.5f}, {row.lon:.5f}"


def _ledger_values(row: LedgerRow, words: _Labels) -> list[object]:
    t = words.t
    return [
        row.number, row.reported_at, t("anonymous") if row.anonymous else row.reporter,
        words.label(SOURCE_LABELS, row.source), words.category(row.category),
        words.label(SEVERITY_LABELS, row.severity), t("yes") if row.emergency else "",
        row.description, " / ".join(row.place), _point(row, t),
        row.water_source, words.label(ZONE_LABELS, row.zone), state_label(row.state, t),
        row.responsible_cell, row.handler, row.plan_task, row.plan_steps, row.plan_owner,
        row.plan_due, row.due_at, row.overdue_days, words.colour(row.escalation_level),
        row.fixed_at, row.checker, row.checked_at, row.closed_at, row.campaign,
    ]


def _overdue_values(row: LedgerRow, words: _Labels) -> list[object]:
    return [
        row.number, words.category(row.category), row.responsible_cell, row.handler,
        row.plan_owner, row.due_at, row.overdue_days, words.colour(row.escalation_level),
        state_label(row.state, words.t),
    ]


def _print_setup(ws: Any, t: Translator, columns: int, title_rows: str | None) -> None:
    """Landscape A4, every column on the page's width, the title and header on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as it takes
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = t(FOOTER)
    if title_rows:
        ws.print_title_rows = title_rows
    ws.merged_cells.add(CellRange(min_col=1, min_row=1, max_col=max(columns, 1), max_row=1))


def _table_sheet(wb: Any, name: str, heading: str, headers: Sequence[str],
                 rows: Sequence[LedgerRow], values: Callable[[LedgerRow], list[object]],
                 colour_at: int, t: Translator, tz: ZoneInfo) -> None:
    """A sheet that prints: the title row, then a frozen, filtered header with 序号, sized
    columns, rows filled with their escalation colour while open, and the colour's own cell
    filled whenever there is one."""
    ws = wb.create_sheet(name)
    cells = _Cells(ws, tz)
    titles = [t(SERIAL), *headers]
    table = [values(r) for r in rows]
    _size_columns(ws, titles, ([i, *line] for i, line in enumerate(table, 1)))
    _print_setup(ws, t, len(titles), TITLE_ROWS)
    ws.freeze_panes = "C3"
    ws.append([cells.text(heading, "title")])
    ws.append(cells.header(titles))
    for serial, (row, line) in enumerate(zip(rows, table, strict=True), 1):
        colour = colour_of(row.escalation_level)
        look = colour if row.is_open else ""
        ws.append([cells.value(serial, look), *(
            cells.value(v, colour if i == colour_at and colour else look)
            for i, v in enumerate(line))])
    ws.auto_filter.ref = f"A2:{get_column_letter(len(titles))}{len(rows) + 2}"


def _figures_row(cells: _Cells, name: str, figures: Figures, look: str = "") -> list[Any]:
    return [cells.text(name, look),
            *(cells.value(getattr(figures, key), look) for key, _ in FIGURE_HEADERS)]


def _summary_sheet(wb: Any, ledger: Ledger, words: _Labels, tz: ZoneInfo) -> None:
    t = words.t
    ws = wb.create_sheet(t("Summary"))
    cells = _Cells(ws, tz)
    headers = [t(h) for _, h in FIGURE_HEADERS]
    _print_setup(ws, t, len(headers) + 1, None)
    labels = {OWN_ROW: t("{cell} itself", cell=ledger.scope_name),
              BEYOND_ROW: t("Your water source, outside {cell}", cell=ledger.scope_name)}
    by_cell = [(labels.get(name, name), f) for name, f in ledger.by_cell]
    by_category = [(words.category(c), f) for c, f in ledger.by_category]
    by_source = [(words.label(SOURCE_LABELS, c), f) for c, f in ledger.by_source]
    names = [n for n, _ in by_cell + by_category + by_source]
    _size_columns(ws, [t("Part of the grid"), *headers], [[n] for n in names])
    ws.append([cells.text(title_of(ledger, t, tz), "title")])
    ws.append([cells.text(t("Made at {time}; this week began {start}.",
                           time=_local(ledger.generated_at, tz),
                           start=_local(ledger.week_start, tz)))])
    listed = _listed(ledger, t)
    ws.append([cells.text(t.n("The ledger sheet lists {count} case: {which}.",
                             "The ledger sheet lists {count} cases: {which}.",
                             len(ledger.rows), which=listed))])
    if ledger.truncated:
        ws.append([cells.text(t.n("Only the oldest {count} case is listed; the command line "
                                 "exports the whole ledger.",
                                 "Only the oldest {count} cases are listed; the command line "
                                 "exports the whole ledger.", len(ledger.rows)))])
    ws.append([])
    for first, lines in ((t("Part of the grid"), by_cell), (t("Category"), by_category),
                         (t("Source"), by_source)):
        ws.append(cells.header([first, *headers]))
        for name, figures in lines:
            ws.append(_figures_row(cells, name, figures))
        ws.append(_figures_row(cells, t("Total"), ledger.totals, "bold"))
        ws.append([])


CAMPAIGN_HEADERS = (N_("Campaign"), N_("Date of the campaign"), N_("Source"), N_("Problems"),
                    N_("Rectified"), N_("On schedule"), N_("Overdue"), N_("To be done by"))


def _campaign_sheet(wb: Any, ledger: Ledger, words: _Labels, tz: ZoneInfo) -> None:
    """专项行动: each campaign's figures in the ledger's part of the grid, in all and by source."""
    t = words.t
    ws = wb.create_sheet(t("Campaigns")[:31])
    cells = _Cells(ws, tz)
    headers = [t(h) for h in CAMPAIGN_HEADERS]
    _size_columns(ws, headers, [[c.name] for c in ledger.campaigns])
    _print_setup(ws, t, len(headers), TITLE_ROWS)
    scope = ledger.scope_name or t("the whole grid")
    ws.append([cells.text(t("Campaigns of {scope}, {date}", scope=scope, date=_local(
        ledger.generated_at, tz)[:10]), "title")])
    ws.append(cells.header(headers))
    for campaign in ledger.campaigns:
        ws.append(_campaign_row(cells, campaign, t("all"), campaign.total, t, "bold"))
        for origin, figures in campaign.by_origin.items():
            ws.append(_campaign_row(cells, campaign, words.label(SOURCE_LABELS, origin),
                                    figures, t))


def _campaign_row(cells: _Cells, campaign: Standing, source: str, f: Any, t: Translator,
                  look: str = "") -> list[Any]:
    due = day_label(f.due_on, t) if f.due_on else ""
    return [cells.text(campaign.name, look), cells.text(day_label(campaign.due_on, t), look),
            cells.text(source, look), *(cells.value(n, look) for n in (
                f.total, f.rectified, f.on_schedule, f.overdue)), cells.text(due, look)]


def _listed(ledger: Ledger, t: Translator) -> str:
    return (t("open cases only") if ledger.mode is LedgerMode.OPEN
            else t("all cases, struck off ones included"))


def _local(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def title_of(ledger: Ledger, t: Translator, tz: ZoneInfo) -> str:
    scope = ledger.scope_name or t("the whole grid")
    return t("Ledger of {scope}, {date}", scope=scope,
             date=ledger.generated_at.astimezone(tz).date().isoformat())


def sheet_title(ledger: Ledger, t: Translator, tz: ZoneInfo, *, overdue: bool = False) -> str:
    """The title row of a table sheet: whose cases, which of them, on what day."""
    scope = ledger.scope_name or t("the whole grid")
    date = ledger.generated_at.astimezone(tz).date().isoformat()
    if overdue:
        return t("Overdue cases of {scope}, {date}", scope=scope, date=date)
    return t("Ledger of {scope}: {which}, {date}", scope=scope, which=_listed(ledger, t),
             date=date)


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
    _table_sheet(wb, t("Ledger"), sheet_title(ledger, t, tz), [t(h) for h in LEDGER_HEADERS],
                 ledger.rows, lambda r: _ledger_values(r, words),
                 LEDGER_HEADERS.index("Escalation colour"), t, tz)
    _summary_sheet(wb, ledger, words, tz)
    if ledger.campaigns:
        _campaign_sheet(wb, ledger, words, tz)
    if ledger.patrols:
        ws = wb.create_sheet(t("Patrols"))
        write_patrol_sheet(ws, _Cells(ws, tz), ledger.patrols, t,
                           t("Patrols begun since {day}", day=_local(ledger.week_start, tz)),
                           t(SERIAL))
    late = sorted(ledger.overdue, key=lambda r: (-(r.overdue_days or 0), r.number))
    _table_sheet(wb, t("Overdue cases"), sheet_title(ledger, t, tz, overdue=True),
                 [t(h) for h in OVERDUE_HEADERS], late, lambda r: _overdue_values(r, words),
                 OVERDUE_HEADERS.index("Escalation colour"), t, tz)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
