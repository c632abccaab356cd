"""The 督办单 as a Word file (python-docx): the issuing body, the number and date, the case, the
demand and deadline, then the whole exchange (each answer with its date and photos, and the
issuer's decision on it). What it shows is gathered first as plain data (`gather`); the file is
built from that in a thread (`build_docx`), with no session open."""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt, RGBColor
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, GridCell, Member, OrderAnswer, Photo, SupervisionOrder, WaterSource
from models.db import SessionFactory
from services.grid import cell_path_names
from services.i18n import N_, Translator
from services.members import KIND_LABELS, parse_kind
from services.photos import PhotoMissing, PhotoStore, display_source
from services.photos.stores import photo_store
from services.settings import Settings

ORDER_STATE_LABELS = {
    "issued": N_("issued, not yet acknowledged"),
    "acknowledged": N_("acknowledged, being worked on"),
    "answered": N_("answered, waiting for the decision"),
    "returned": N_("sent back, to be answered again"),
    "accepted": N_("answer accepted"),
    "resolved": N_("resolved: the case is closed"),
}
PHOTO_WIDTH = Cm(7)
COLUMNS = (Cm(3.5), Cm(12.5))  # label, value


@dataclass(frozen=True)
class AnswerLine:
    """One answer and the decision on it, as plain values."""

    author: str
    at: str
    text: str
    photo_paths: tuple[str, ...] = ()
    decision: str | None = None  # "accepted", "returned"
    decided_by: str = ""
    decided_at: str = ""
    reason: str = ""


@dataclass(frozen=True)
class OrderDocument:
    issuing_body: str
    number: str
    issued_on: str
    issuer: str
    to: str
    case_number: str
    place: str
    cell: str
    category: str
    description: str
    demand: str
    deadline: str
    state: str
    answers: tuple[AnswerLine, ...] = ()
    photos: dict[str, bytes] = field(default_factory=dict)  # stored path -> display bytes


def _when(moment: datetime | None, settings: Settings) -> str:
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(settings.locale.timezone)).strftime("%Y-%m-%d %H:%M")


async def _name(session: AsyncSession, member_id: int | None, fallback: str) -> str:
    member = await session.get(Member, member_id) if member_id is not None else None
    return member.display_name if member is not None else fallback


async def gather(session: AsyncSession, settings: Settings, order_id: int, t: Translator,
                 language: str) -> OrderDocument | None:
    """What the document shows, read in one session, in the reader's words."""
    order = await session.get(SupervisionOrder, order_id)
    case = await session.get(Case, order.case_id) if order is not None else None
    if order is None or case is None:
        return None
    target = await session.get(GridCell, order.target_cell_id)
    source = (await session.get(WaterSource, case.water_source_id)
              if case.water_source_id is not None else None)
    cells = await cell_path_names(session, case.cell_id)
    place = " ".join(part for part in (
        source.name if source else "",
        f"{case.lat:.5f}, {case.lon:.5f}" if case.lat is not None and case.lon is not None
        else "") if part) or (cells[-1] if cells else "-")
    category = settings.category(case.category)
    answers: list[AnswerLine] = []
    for row in await session.scalars(select(OrderAnswer).where(OrderAnswer.order_id == order.id)
                                     .order_by(OrderAnswer.id)):
        paths = tuple(await session.scalars(
            select(Photo.stored_path).where(Photo.id.in_([int(i) for i in row.photo_ids]))
            .order_by(Photo.id))) if row.photo_ids else ()
        answers.append(AnswerLine(
            await _name(session, row.author_id, "?"), _when(row.answered_at, settings), row.text,
            paths, row.decision, await _name(session, row.decided_by_id, ""),
            _when(row.decided_at, settings), row.reason or ""))
    demand = order.demand or t("Complete the current stage of this case before the deadline, "
                               "and report back.")
    return OrderDocument(
        issuing_body=settings.documents.issuing_body, number=order.number,
        issued_on=_when(order.issued_at, settings)[:10],
        issuer=await _name(session, order.issuer_id, t("the deadline system (automatic)"))
        + (f" · {t(KIND_LABELS[kind])}" if (kind := parse_kind(order.kind or "")) else ""),
        to=target.name if target else "?", case_number=case.number, place=place,
        cell=" / ".join(cells), category=category.name(language) if category else case.category,
        description=case.description or "-", demand=demand,
        deadline=_when(order.deadline, settings),
        state=t(ORDER_STATE_LABELS.get(order.state, order.state)),
        answers=tuple(answers))


def _heading(document: object, text: str, size: int, colour: RGBColor | None = None) -> None:
    paragraph = document.add_paragraph()  # type: ignore[attr-defined]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    run.bold = True
    run.font.size = Pt(size)
    if colour is not None:
        run.font.color.rgb = colour


def build_docx(doc: OrderDocument, t: Translator) -> bytes:
    """The .docx bytes (pure: run it in a thread)."""
    document = Document()
    _heading(document, doc.issuing_body, 16, RGBColor(0xC0, 0, 0))
    _heading(document, t("Supervision order"), 22, RGBColor(0xC0, 0, 0))
    number = document.add_paragraph(f"{doc.number}    {doc.issued_on}")
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    rows = [(t("To"), doc.to), (t("Case"), doc.case_number), (t("Location"), doc.place),
            (t("Grid cell"), doc.cell), (t("Category"), doc.category),
            (t("Description"), doc.description), (t("Demand"), doc.demand),
            (t("Deadline"), doc.deadline), (t("Issued by"), doc.issuer),
            (t("State"), doc.state)]
    table = document.add_table(rows=len(rows), cols=2)
    table.style = "Table Grid"
    table.autofit = False
    for column, width in zip(table.columns, COLUMNS, strict=True):
        column.width = width  # the grid LibreOffice reads; Word reads the cells'
    for (label, value), row in zip(rows, table.rows, strict=True):
        row.cells[0].text, row.cells[1].text = label, value
        row.cells[0].paragraphs[0].runs[0].bold = True
        for cell, width in zip(row.cells, COLUMNS, strict=True):
            cell.width = width
    document.add_heading(t("Answers (what was done)"), level=2)
    if not doc.answers:
        document.add_paragraph(t("No answer yet."))
    for n, answer in enumerate(doc.answers, 1):
        document.add_paragraph(t("Answer {n}, {time}, by {who}:", n=n, time=answer.at,
                                 who=answer.author)).runs[0].bold = True
        document.add_paragraph(answer.text)
        for path in answer.photo_paths:
            picture = doc.photos.get(path)
            if picture is not None:
                document.add_picture(io.BytesIO(picture), width=PHOTO_WIDTH)
        if answer.decision == "accepted":
            document.add_paragraph(t("Accepted on {time} by {who}.", time=answer.decided_at,
                                     who=answer.decided_by))
        elif answer.decision == "returned":
            document.add_paragraph(t("Sent back on {time} by {who}. Reason: {reason}",
                                     time=answer.decided_at, who=answer.decided_by,
                                     reason=answer.reason))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def docx_name(doc: OrderDocument, t: Translator) -> str:
    return f"{t('Supervision order')}-{doc.number}.docx"


async def docx_bytes(doc: OrderDocument, t: Translator, store: PhotoStore) -> bytes:
    """The photos read (their display copies), then the file built in a thread: call it with no
    session open."""
    for answer in doc.answers:
        for path in answer.photo_paths:
            try:
                doc.photos[path] = await display_source(store, path)
            except PhotoMissing:
                continue
    return await asyncio.to_thread(build_docx, doc, t)


async def order_docx(sessions: SessionFactory, settings: Settings, order_id: int,
                     t: Translator, language: str) -> tuple[str, bytes] | None:
    """The order's file name and .docx bytes: gathered in a short session, built after it."""
    async with sessions() as session:
        doc = await gather(session, settings, order_id, t, language)
    if doc is None:
        return None
    return docx_name(doc, t), await docx_bytes(doc, t, photo_store(settings, sessions))
