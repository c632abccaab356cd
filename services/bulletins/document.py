"""A bulletin as the office's Word document (.docx, python-docx): the issuing body, the title
督查通报, the number and date, the scope and period, the opening, a table per section (case,
place, cell, owner, days late), then the demands (整改要求).

`document_of` gathers everything as plain words in one session; `build_docx` lays them out with
no session open (run it in a thread)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from sqlalchemy.ext.asyncio import AsyncSession

from models import Bulletin, BulletinSection, GridCell
from services.bulletins.store import lines_of
from services.grid import cell_names
from services.i18n import N_, Translator
from services.settings import Settings

FONT = "SimSun"  # 宋体: what an office's Word has; a reader without it substitutes
TITLE_RED = RGBColor(0xC0, 0x00, 0x00)
SECTION_TITLES = {
    BulletinSection.OVERDUE: N_("Overdue cases"),
    BulletinSection.SLOW: N_("Slow cases"),
    BulletinSection.REOPENED: N_("Reopened cases"),
    BulletinSection.ORDER: N_("Supervision orders issued"),
}
COLUMNS = (N_("Item"), N_("Case"), N_("Location"), N_("Cell"), N_("Owner"), N_("Days late"))
ORDER_COLUMNS = (N_("Item"), N_("Order"), N_("Case"), N_("Cell"), N_("Days late"))


@dataclass(frozen=True)
class DocumentSection:
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class DocumentData:
    """Every word of the document, already translated."""

    body: str
    title: str
    number: str
    date: str
    scope_line: str
    opening: str
    sections: tuple[DocumentSection, ...]
    demands_title: str
    demands: str
    empty: str


def _day(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{local.year}年{local.month}月{local.day}日"


async def document_of(session: AsyncSession, row: Bulletin, settings: Settings,
                      t: Translator) -> DocumentData:
    tz = ZoneInfo(settings.locale.timezone)
    lines = await lines_of(session, row.id)
    names = await cell_names(session, [x.cell_id for x in lines])
    scope = await session.get(GridCell, row.scope_cell_id) if row.scope_cell_id else None
    sections: list[DocumentSection] = []
    for section, title in SECTION_TITLES.items():
        mine = [x for x in lines if x.section == section]
        rows: tuple[tuple[str, ...], ...]
        columns: tuple[str, ...]
        if section == BulletinSection.ORDER:
            rows = tuple((str(i), x.order_number or "", x.case_number,
                          names.get(x.cell_id, "?"), str(x.days_late))
                         for i, x in enumerate(mine, 1))
            columns = ORDER_COLUMNS
        else:
            rows = tuple((str(i), x.case_number, x.place or "—", names.get(x.cell_id, "?"),
                          x.owner or t("no one assigned"), str(x.days_late))
                         for i, x in enumerate(mine, 1))
            columns = COLUMNS
        sections.append(DocumentSection(t("{title}: {count}", title=t(title), count=len(rows)),
                                        tuple(t(c) for c in columns), rows))
    moment = row.issued_at or row.created_at
    return DocumentData(
        body=settings.documents.issuing_body,
        title=t("Supervision bulletin (督查通报)"),
        number=row.number or t("(draft, not yet numbered)"),
        date=_day(moment, tz),
        scope_line=t("Scope: {scope}; period: {start} to {end}",
                     scope=scope.name if scope else t("the whole grid"),
                     start=_day(row.period_start, tz), end=_day(row.period_end, tz)),
        opening=row.opening,
        sections=tuple(sections),
        demands_title=t("Demands (整改要求)"),
        demands=row.demands,
        empty=t("None in this period."),
    )


def _font(run: object, size: float, bold: bool = False,
          colour: RGBColor | None = None) -> None:
    font = run.font  # type: ignore[attr-defined]
    font.size, font.bold, font.name = Pt(size), bold, FONT
    if colour is not None:
        font.color.rgb = colour
    props = run._element.get_or_add_rPr()  # type: ignore[attr-defined]
    props.get_or_add_rFonts().set(qn("w:eastAsia"), FONT)


def _paragraph(doc: object, text: str, size: float = 12, *, bold: bool = False,
               centre: bool = False, colour: RGBColor | None = None) -> None:
    paragraph = doc.add_paragraph()  # type: ignore[attr-defined]
    if centre:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(paragraph.add_run(text), size, bold, colour)


def build_docx(data: DocumentData) -> bytes:
    """The .docx bytes of `data` (no database here: run it in a thread)."""
    doc = Document()
    _paragraph(doc, data.body, 16, bold=True, centre=True, colour=TITLE_RED)
    _paragraph(doc, data.title, 26, bold=True, centre=True, colour=TITLE_RED)
    _paragraph(doc, data.number, 14, centre=True)
    _paragraph(doc, data.date, 12, centre=True)
    _paragraph(doc, data.scope_line, 12)
    for text in data.opening.splitlines():
        _paragraph(doc, text, 12)
    for section in data.sections:
        _paragraph(doc, section.title, 14, bold=True)
        if not section.rows:
            _paragraph(doc, data.empty, 12)
            continue
        table = doc.add_table(rows=1, cols=len(section.columns))
        table.style = "Table Grid"
        for cell, label in zip(table.rows[0].cells, section.columns, strict=True):
            cell.text = ""
            _font(cell.paragraphs[0].add_run(label), 11, bold=True)
        for values in section.rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, values, strict=True):
                _font(cell.paragraphs[0].add_run(value), 11)
    if data.demands:
        _paragraph(doc, data.demands_title, 14, bold=True)
        for text in data.demands.splitlines():
            _paragraph(doc, text, 12)
    _paragraph(doc, data.body, 12)
    _paragraph(doc, data.date, 12)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def file_name(data: DocumentData) -> str:
    return f"督查通报-{data.number}.docx".replace("/", "-")
