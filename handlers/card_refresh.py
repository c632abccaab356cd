"""A card the bot posted, drawn again as its reader should see the case now (the outbox's edit of
it, and a pressed card redrawn at once); the transport puts the edit in place.

A case card (an alert, a dispatch, a check request, a group's card, a reply) becomes the
current card with the last move on top and the reader's own buttons (a group's: a manager's);
a notice of a moment (an escalation, a reminder, an order) keeps its words, and its buttons
follow the case. A card whose notice no longer applies loses its buttons, once.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Message
from telegram.constants import MessageLimit, ParseMode
from telegram.error import BadRequest

from handlers.cards import EVENT_LABELS, NO_PREVIEW, render_card
from handlers.common import escape
from handlers.context import Deps
from handlers.render import Rendered, markup, to_card
from models import Member, Outbox
from models.db import SessionFactory
from services.cases import last_move
from services.i18n import Translator, translator
from services.notices.card import (
    Card,
    Render,
    Renderers,
    fit_caption,
    render_row,
    renderer_for,
    shown,
)
from services.notices.card_refresh import (
    CAPTION,
    CARD_KINDS,
    MARKUP,
    TEXT,
    card_message,
    find_card,
    last_shown,
    note_shown,
    record_reply_card,
)
from services.notices.kinds import CardRefresh
from services.settings import Settings

log = logging.getLogger(__name__)

# The moves a card names on top: staff work, never what a reporter did (they may be anonymous).
MOVES = ("accepted", "dispatched", "planned", "fix_claimed", "checked", "sent_back", "closed",
         "rejected", "rerouted", "merged", "reopened", "escalated", "taken_over", "handed_down",
         "supervision_order", "handed_over")


async def last_move_banner(session: AsyncSession, case_id: int, t: Translator) -> str | None:
    """'Accepted by 王五' on top of a redrawn card: the last move and who made it (the system,
    for an escalation). An anonymous reporter is never named, whatever they did."""
    move = await last_move(session, case_id, MOVES)
    if move is None:
        return None
    if move.actor_name is None:
        who = t("system")
    elif move.by_anonymous_reporter:
        who = t("anonymous")
    else:
        who = escape(move.actor_name)
    return t("👤 {what} by {name}", what=t(EVENT_LABELS.get(move.kind, move.kind)), name=who)


async def current_card(
    session: AsyncSession, case_id: int, member: Member | None, settings: Settings
) -> Rendered | None:
    """The case as `member` should see it now (their buttons), or as a group sees it (None)."""
    language = member.language if member is not None else settings.locale.default
    return await render_card(session, case_id, member, settings, history=False,
                             banner=await last_move_banner(session, case_id, translator(language)),
                             language=language)


async def group_card(session: AsyncSession, case_id: int, settings: Settings) -> Rendered | None:
    """A group's card as the case is now: who moved it last on top, a manager's buttons."""
    return await current_card(session, case_id, None, settings)


async def reader_view(
    session: AsyncSession, card: Outbox, member: Member | None, settings: Settings,
    renderers: Renderers,
) -> Card | None:
    """What the reader of a posted card should see now; None when its notice no longer applies."""
    if card.kind in CARD_KINDS and card.case_id is not None:
        now = await current_card(session, card.case_id, member, settings)
        return to_card(now) if now is not None else None
    if renderer_for(renderers, card.kind) is None:
        return None
    return await render_row(renderers, session, card, member, settings)


def refresher(renderers: Renderers) -> Render:
    """The renderer of a card's edit (CardRefresh), drawing the card with `renderers`."""

    async def render_refresh(session: AsyncSession, notice: CardRefresh, row: Outbox,
                             member: Member | None, settings: Settings) -> Card | None:
        """One posted card brought up to date, as an edit of its message."""
        card = await session.get(Outbox, notice.card_row)
        target = card_message(card.result) if card is not None else None
        if card is None or target is None:
            return None
        now = await reader_view(session, card, member, settings, renderers)
        if now is None:
            return Card(text="", edit_message_id=target.message_id, edit_form=MARKUP)
        if shown(now) == await last_shown(session, card):
            return None  # the message shows this already (a handler redrew it when pressed)
        return Card(text=now.text, buttons=now.buttons, edit_message_id=target.message_id,
                    edit_form=target.form)

    return render_refresh


def form_of(message: Message) -> str:
    """How a sent message's words are edited: as the caption of a photo or file, or as text."""
    return CAPTION if message.photo or message.document else TEXT


async def redraw(deps: Deps, message: Message, member: Member, case_id: int,
                 renderers: Renderers, *, as_card: bool = True) -> None:
    """A pressed card redrawn at once, as the outbox would redraw it (its waiting edit then
    has nothing left to do): the presser's view in private, a manager's in a group. A message
    the bot has no record of is drawn as the case card when `as_card`, else loses its buttons."""
    reader = member if message.chat.type == "private" else None
    before: str | None = None
    view: Card | None
    async with deps.sessions() as session:
        card = await find_card(session, case_id, message.chat.id, message.message_id)
        if card is not None:
            view = await reader_view(session, card, reader, deps.settings, renderers)
            before = await last_shown(session, card)
        else:
            drawn = await current_card(session, case_id, reader, deps.settings) \
                if as_card else None
            view = to_card(drawn) if drawn is not None else None
    current = message.reply_markup
    has_buttons = current is not None and bool(current.inline_keyboard)
    keyboard = markup(view.buttons) if view is not None else None
    try:
        # Buttons carry the case version: the same buttons mean the message is current.
        if (keyboard is not None and keyboard == current) or (
                view is None and not has_buttons) or (
                view is not None and shown(view) == before):
            pass
        elif view is None:
            await message.edit_reply_markup(reply_markup=None)
        elif message.photo or message.document:
            caption = fit_caption(view.text, MessageLimit.CAPTION_LENGTH)
            if caption:
                await message.edit_caption(caption, parse_mode=ParseMode.HTML,
                                           reply_markup=keyboard)
            else:
                await message.edit_reply_markup(reply_markup=keyboard)
        else:
            await message.edit_text(view.text, parse_mode=ParseMode.HTML, reply_markup=keyboard,
                                    link_preview_options=NO_PREVIEW)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise
    if card is not None:
        async with deps.sessions() as session:
            row = await session.get(Outbox, card.id)
            assert row is not None
            await note_shown(session, row, message.message_id,
                             shown(view) if view is not None else "", final=view is None)
            await session.commit()


async def remember_reply(
    sessions: SessionFactory, member: Member, case_id: int, message: Message
) -> None:
    """Keep a card sent as a reply, so that later moves of the case edit it too."""
    async with sessions() as session:
        await record_reply_card(session, member, case_id, message.message_id, form_of(message))
        await session.commit()
