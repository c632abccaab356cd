"""The progress sheet of a campaign in the layout provinces ask for (水源地名称,
保护区类型, 问题类型, 具体情况, 整治措施, 计划完成时间, 进展情况, 是否完成, 整治进度%), as an .xlsx:
a title row with the campaign and its figures, the header, one row per problem; landscape on
A4, header repeated.

Pure and blocking (`Progress` in, bytes out). Text is written as text, never as a formula.
"""

from __future__ import annotations

import re
from io import BytesIO

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from services.campaigns.progress import Progress, ProgressRow
from services.campaigns.words import day_label, progress_lines
from services.cases import state_label
from services.i18n import N_, Translator
from services.settings import Settings

HEADERS = (
    N_("Item"),
    N_("Name of the water source"),
    N_("Type of protection zone"),
    N_("Type of problem"),
    N_("What was found"),
    N_("Remedial measures"),
    N_("Planned completion"),
    N_("State of progress"),
    N_("Completed"),
    N_("Remediation progress %"),
)
WIDTHS = (6, 16, 14, 16, 40, 32, 14, 30, 10, 12)
ZONE_NAMES = {"grade1": N_("grade I protection zone"), "grade2": N_("grade II protection zone"),
              "quasi": N_("quasi-protection zone")}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\s]+')


def _text(ws: object, row: int, column: int, value: str) -> None:
    cell = ws.cell(row=row, column=column)  # type: ignore[attr-defined]
    clean = ILLEGAL_CHARACTERS_RE.sub("", value)[:32_767]
    cell.value = clean
    cell.data_type = "s"
    if clean.startswith(FORMULA_STARTS):
        cell.quotePrefix = True
    cell.alignment = Alignment(vertical="top", wrap_text=True)


def _progress_text(row: ProgressRow, t: Translator) -> str:
    said = state_label(row.state, t)
    if row.overdue:
        said = t("{state}, overdue", state=said)
    return f"{said}{t('; ')}{row.progress}" if row.progress and not row.done else said


def build_progress_sheet(progress: Progress, t: Translator, settings: Settings) -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = t("Progress")[:31]
    lines = progress_lines(progress, t)
    ws.cell(row=1, column=1, value=lines[0]).font = Font(bold=True, size=14)
    for offset, line in enumerate(lines[1:], start=2):
        _text(ws, offset, 1, line)
    as_of = len(lines) + 1
    _text(ws, as_of, 1, t("As of {date}", date=progress.as_of.isoformat()))
    header = as_of + 1
    fill = PatternFill("solid", fgColor="D9E1F2")
    for column, title in enumerate(HEADERS, start=1):
        cell = ws.cell(row=header, column=column, value=t(title))
        cell.font, cell.fill = Font(bold=True), fill
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(column)].width = WIDTHS[column - 1]
    for index, row in enumerate(progress.rows, start=1):
        at = header + index
        category = settings.category(row.category)
        ws.cell(row=at, column=1, value=index)
        _text(ws, at, 2, row.water_source)
        _text(ws, at, 3, t(ZONE_NAMES[row.zone]) if row.zone in ZONE_NAMES else "")
        _text(ws, at, 4, category.name(t.language) if category else row.category)
        _text(ws, at, 5, row.description)
        _text(ws, at, 6, row.measures)
        _text(ws, at, 7, day_label(row.due_on, t))
        _text(ws, at, 8, _progress_text(row, t))
        _text(ws, at, 9, t("yes") if row.done else t("no"))
        ws.cell(row=at, column=10, value=row.percent)
    ws.print_title_rows = f"{header}:{header}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.freeze_panes = ws.cell(row=header + 1, column=1)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def sheet_name(progress: Progress, t: Translator) -> str:
    """'进展-<campaign>-<date>.xlsx', safe as a file name."""
    name = _UNSAFE_NAME.sub("_", progress.name).strip("_") or "campaign"
    return f"{t('progress')}-{name}-{progress.as_of.isoformat()}.xlsx"
