"""A bulletin as the office's Word document (.docx, python-docx): the issuing body, the title
督查通报, the number and date, the scope and period, the opening, a table per section (case,
place, cell, owner, days late), then the demands (整改要求).

`document_of` gathers everything as plain words in one session; `build_docx` lays them out with
no session open (run it in a thread)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from models import Bulletin, BulletinSection, GridCell
from services.bulletins.store import lines_of
from services.documents import heading, masthead, paragraph, table, word_bytes
from services.grid import cell_names
from services.i18n import N_, Translator
from services.members import KIND_LABELS, parse_kind
from services.settings import Settings

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
    kind_line: str  # the issuer's kind of supervision, "" when none
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
        kind_line=t("Kind of supervision: {kind}", kind=t(KIND_LABELS[kind]))
        if (kind := parse_kind(row.kind or "")) else "",
        opening=row.opening,
        sections=tuple(sections),
        demands_title=t("Demands (整改要求)"),
        demands=row.demands,
        empty=t("None in this period."),
    )


def build_docx(data: DocumentData) -> bytes:
    """The .docx bytes of `data` (no database here: run it in a thread)."""
    doc = masthead(data.body, data.number, data.title)
    paragraph(doc, data.date, right=True)
    paragraph(doc, data.scope_line)
    if data.kind_line:
        paragraph(doc, data.kind_line)
    for text in data.opening.splitlines():
        paragraph(doc, text)
    for section in data.sections:
        heading(doc, section.title)
        if section.rows:
            table(doc, section.columns, section.rows)
        else:
            paragraph(doc, data.empty)
    if data.demands:
        heading(doc, data.demands_title)
        for text in data.demands.splitlines():
            paragraph(doc, text)
    paragraph(doc, data.body, right=True)
    paragraph(doc, data.date, right=True)
    return word_bytes(doc)


def file_name(data: DocumentData) -> str:
    return f"督查通报-{data.number}.docx".replace("/", "-")
