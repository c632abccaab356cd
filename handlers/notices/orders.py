"""Renderers of a supervision order's notices: the order itself (the image card and the
.docx, with Acknowledge, Answer and the Word file again), and its news (answered: to the issuer,
with Accept and Send back; sent back or accepted: to whoever answered, the accepted one with
the .docx). Each reloads the order, so a late notice tells the truth and one whose moment has
passed is dropped."""

from __future__ import annotations

from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.notices.deadlines import stage_name, when
from handlers.notices.render import notice_translator
from handlers.words import escape
from models import (
    Case,
    GridCell,
    Member,
    OrderAnswer,
    OrderState,
    Outbox,
    SupervisionOrder,
)
from services.deadlines import colour_of
from services.i18n import Translator
from services.notices.card import Button, Buttons, Card, Document, Picture, in_thread
from services.notices.kinds import OrderNotice
from services.orders import ANSWERABLE_STATES, docx_bytes, docx_name, gather, order_card_png
from services.photos.stores import photo_store
from services.settings import Settings

PREFIX = "od:"  # handlers.orders answers these buttons


def order_rows(order: SupervisionOrder, case: Case, cell: str, issuer: str,
               t: Translator, settings: Settings) -> list[tuple[str, str]]:
    demand = order.demand or t("Complete the {stage} of this case before the deadline, and "
                               "report back.", stage=stage_name(case.stage, t))
    return [
        (t("Number"), order.number),
        (t("Case"), case.number),
        (t("To"), cell),
        (t("Demand"), demand),
        (t("Deadline"), when(order.deadline, settings)),
        (t("Issued by"), issuer),
        (t("Issued on"), when(order.issued_at, settings)),
    ]


def docx_button(order_id: int, t: Translator) -> Button:
    return Button(t("Word file (.docx)"), f"{PREFIX}doc:{order_id}")


def answer_button(order_id: int, t: Translator) -> Button:
    return Button(t("Answer (what was done)"), f"{PREFIX}ans:{order_id}")


async def render_order(
    session: AsyncSession, notice: OrderNotice, row: Outbox, member: Member | None,
    settings: Settings,
) -> Card | None:
    order = await session.get(SupervisionOrder, notice.order_id)
    if order is None or order.state == OrderState.RESOLVED:
        return None
    case = await session.get(Case, order.case_id)
    assert case is not None
    t = notice_translator(member, settings)
    if notice.step:
        return await _render_news(session, notice, order, case, member, t, settings)
    cell = await session.get(GridCell, order.target_cell_id)
    issuer = await session.get(Member, order.issuer_id) if order.issuer_id else None
    issuer_name = issuer.display_name if issuer else t("the deadline system (automatic)")
    rows = order_rows(order, case, cell.name if cell else "?", issuer_name, t, settings)
    card = Picture(in_thread(partial(order_card_png, t("Supervision order"), rows,
                                     colour_of(case.escalation_level))))
    document = await _document(session, order, member, t, settings)
    text = "\n".join([f"<b>{escape(t('Supervision order'))} {escape(order.number)}</b>"]
                     + [f"{escape(label)}: {escape(value)}" for label, value in rows[1:]])
    first: list[Button] = []
    if order.state == OrderState.ISSUED:
        first.append(Button(t("Acknowledge"), f"{PREFIX}ack:{order.id}"))
    if order.state in ANSWERABLE_STATES:
        first.append(answer_button(order.id, t))
    buttons: Buttons = ((*first,), (docx_button(order.id, t),)) if first else (
        (docx_button(order.id, t),),)
    return Card(text, picture=card, document=document, buttons=buttons)


async def _document(session: AsyncSession, order: SupervisionOrder, member: Member | None,
                    t: Translator, settings: Settings) -> Document | None:
    """The .docx the notice carries: its data gathered now, built once the session is closed."""
    language = member.language if member is not None else settings.locale.default
    doc = await gather(session, settings, order.id, t, language)
    if doc is None:
        return None
    return Document(docx_name(doc, t), partial(docx_bytes, doc, t, photo_store(settings, session)))


async def _render_news(session: AsyncSession, notice: OrderNotice, order: SupervisionOrder,
                       case: Case, reader: Member | None, t: Translator, settings: Settings
                       ) -> Card | None:
    answer = (await session.get(OrderAnswer, notice.answer_id)
              if notice.answer_id is not None else None)
    if answer is None:
        return None
    values = {"order": escape(order.number), "number": escape(case.number)}
    if notice.step == "answered":
        if order.state != OrderState.ANSWERED or answer.decision is not None:
            return None  # decided already: nothing left to press
        author = await session.get(Member, answer.author_id)
        text = t("📋 Supervision order {order} (case {number}) was answered by {who}:\n{text}",
                 who=escape(author.display_name if author else "?"),
                 text=escape(answer.text), **values)
        if answer.photo_ids:
            text += "\n" + t.n("{count} photo attached (in the Word file).",
                               "{count} photos attached (in the Word file).",
                               len(answer.photo_ids))
        return Card(text, buttons=((Button(t("Accept"), f"{PREFIX}acc:{order.id}"),
                                    Button(t("Send back"), f"{PREFIX}ret:{order.id}")),
                                   (docx_button(order.id, t),)))
    decider = await session.get(Member, answer.decided_by_id) if answer.decided_by_id else None
    who = escape(decider.display_name if decider else "?")
    if notice.step == "returned":
        text = t("↩️ Your answer to supervision order {order} (case {number}) was sent back by "
                 "{who}. Reason: {reason}\nPlease answer again.", who=who,
                 reason=escape(answer.reason or ""), **values)
        buttons: Buttons = ((answer_button(order.id, t),),) if (
            order.state == OrderState.RETURNED) else ()
        return Card(text, buttons=buttons)
    return Card(t("✅ Your answer to supervision order {order} (case {number}) was accepted by "
                  "{who}.", who=who, **values), buttons=((docx_button(order.id, t),),),
                document=await _document(session, order, reader, t, settings))
