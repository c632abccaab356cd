"""A card the bot posted, edited in the chat at once when it is pressed (as the outbox would
edit it, handlers/notices/refresh.py), and a card sent as a reply kept so later moves edit it
too."""

from __future__ import annotations

from telegram import Message
from telegram.constants import MessageLimit, ParseMode
from telegram.error import BadRequest

from handlers.common import NO_PREVIEW, markup
from handlers.deps import Deps
from handlers.notices.refresh import current_card, reader_view
from models import Member, Outbox
from models.db import SessionFactory
from services.notices.card import Card, Renderers, fit_caption, shown
from services.notices.card_refresh import (
    CAPTION,
    TEXT,
    find_card,
    last_shown,
    note_shown,
    record_reply_card,
)


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
            view = await current_card(session, case_id, reader, deps.settings) \
                if as_card else None
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
