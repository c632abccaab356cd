"""A card the bot posted, drawn again as its reader should see the case now (the outbox's edit of
it, and a pressed card redrawn at once, handlers/card_edit.py); the transport puts the edit in
place.

A case card (an alert, a dispatch, a check request, a group's card, a reply) becomes the
current card with the last move on top and the reader's own buttons (a group's: a manager's);
a notice of a moment (an escalation, a reminder, an order) keeps its words, and its buttons
follow the case. A card whose notice no longer applies loses its buttons, once.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.notices.cards import EVENT_LABELS, render_card
from handlers.words import escape
from models import Member, Outbox
from services.cases import last_move
from services.i18n import Translator, translator
from services.notices.card import (
    Card,
    Render,
    Renderers,
    render_row,
    renderer_for,
    shown,
)
from services.notices.card_refresh import (
    CARD_KINDS,
    MARKUP,
    card_message,
    last_shown,
)
from services.notices.kinds import CardRefresh
from services.settings import Settings

log = logging.getLogger(__name__)

# The moves a card names on top: staff work, never what a reporter did (they may be anonymous).
MOVES = ("accepted", "dispatched", "planned", "fix_claimed", "checked", "sent_back", "closed",
         "rejected", "rerouted", "merged", "reopened", "escalated", "taken_over", "handed_down",
         "supervision_order", "supervision_order_answered", "supervision_order_returned",
         "supervision_order_accepted", "handed_over")


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
) -> Card | None:
    """The case as `member` should see it now (their buttons), or as a group sees it (None)."""
    language = member.language if member is not None else settings.locale.default
    return await render_card(session, case_id, member, settings, history=False,
                             banner=await last_move_banner(session, case_id, translator(language)),
                             language=language)


async def group_card(session: AsyncSession, case_id: int, settings: Settings) -> Card | None:
    """A group's card as the case is now: who moved it last on top, a manager's buttons."""
    return await current_card(session, case_id, None, settings)


async def reader_view(
    session: AsyncSession, card: Outbox, member: Member | None, settings: Settings,
    renderers: Renderers,
) -> Card | None:
    """What the reader of a posted card should see now; None when its notice no longer applies."""
    if card.kind in CARD_KINDS and card.case_id is not None:
        return await current_card(session, card.case_id, member, settings)
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
