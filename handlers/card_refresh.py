"""A card the bot posted, drawn again as its reader should see the case now, and the edit that
puts it in place: the text of a text message, the caption of a photo, else only the buttons.

A case card (an alert, a dispatch, a check request, a group's card, a reply) becomes the
current card with the last move on top and the reader's own buttons (a group's: a manager's);
a notice of a moment (an escalation, a reminder, an order) keeps its words, and its buttons
follow the case. A card whose notice no longer applies loses its buttons, once.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot, Message
from telegram.constants import MessageLimit, ParseMode
from telegram.error import BadRequest

from handlers.cards import EVENT_LABELS, NO_PREVIEW, render_card, visible_length
from handlers.common import escape
from handlers.context import Deps
from handlers.render import RENDERERS, Rendered, renderer
from models import Member, Outbox
from models.db import SessionFactory
from services.card_refresh import (
    CAPTION,
    CARD_KINDS,
    LEGACY_REFRESH_KIND,
    REFRESH_KIND,
    TEXT,
    card_message,
    find_card,
    last_shown,
    note_shown,
    record_reply_card,
)
from services.cases import last_move
from services.i18n import Translator, translator
from services.settings import Settings

log = logging.getLogger(__name__)

MARKUP = "markup"
# Telegram's words for a message that is no longer there to edit (deleted, or too old).
GONE = ("not found", "can't be edited", "message_id_invalid")

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
    session: AsyncSession, card: Outbox, member: Member | None, settings: Settings
) -> Rendered | None:
    """What the reader of a posted card should see now; None when its notice no longer applies."""
    case_id = card.case_id or card.payload.get("case_id")
    if card.kind in CARD_KINDS and case_id is not None:
        return await current_card(session, int(case_id), member, settings)
    draw = RENDERERS.get(card.kind)
    return await draw(session, card, member, settings) if draw is not None else None


@renderer(REFRESH_KIND)
async def render_refresh(
    session: AsyncSession, row: Outbox, member: Member | None, settings: Settings
) -> Rendered | None:
    """One posted card brought up to date, as an edit of its message."""
    card = await session.get(Outbox, int(row.payload["card_row"]))
    target = card_message(card.result) if card is not None else None
    if card is None or target is None:
        return None
    now = await reader_view(session, card, member, settings)
    if now is None:
        return Rendered(text="", edit_message_id=target.message_id, edit_form=MARKUP)
    if shown(now) == await last_shown(session, card):
        return None  # the message shows this already (a handler redrew it when pressed)
    return Rendered(text=now.text, keyboard=now.keyboard, edit_message_id=target.message_id,
                    edit_form=target.form)


renderer(LEGACY_REFRESH_KIND)(render_refresh)


def fit_caption(text: str, limit: int = MessageLimit.CAPTION_LENGTH) -> str:
    """The card as a photo's caption: whole lines from the top while they fit (the state is
    near the top; each line closes its own tags), "" when not even the first does."""
    if visible_length(text) <= limit:
        return text
    lines = text.split("\n")
    while lines and visible_length("\n".join(lines) + "\n…") > limit:
        lines.pop()
    return "\n".join(lines) + "\n…" if lines else ""


async def edit_card(bot: Bot, chat_id: str | int, rendered: Rendered) -> list[int]:
    """The outbox's edit of a posted card, with the call that fits the message; the message id
    when it shows the case now, [] when it is final (buttons gone for good, or the message is
    gone), which spares it later edits. "Not modified" is no failure."""
    message_id = rendered.edit_message_id
    assert message_id is not None
    form, markup = rendered.edit_form, rendered.keyboard
    try:
        if form == MARKUP:
            await bot.edit_message_reply_markup(chat_id, message_id, reply_markup=markup)
            return []
        if form in (TEXT, ""):
            try:
                await bot.edit_message_text(rendered.text, chat_id, message_id,
                                            parse_mode=ParseMode.HTML, reply_markup=markup,
                                            link_preview_options=NO_PREVIEW)
                return [message_id]
            except BadRequest as exc:  # not recorded: a photo card answers "no text"
                if form or "no text" not in str(exc).lower():
                    raise
        caption = fit_caption(rendered.text)
        if caption:
            await bot.edit_message_caption(chat_id, message_id, caption=caption,
                                           parse_mode=ParseMode.HTML, reply_markup=markup)
        else:
            await bot.edit_message_reply_markup(chat_id, message_id, reply_markup=markup)
    except BadRequest as exc:
        problem = str(exc).lower()
        if "not modified" in problem:
            return [] if form == MARKUP else [message_id]
        if any(word in problem for word in GONE):
            log.info("card %s in %s: no longer there to edit (%s)", message_id, chat_id, exc)
            return []
        raise
    return [message_id]


def form_of(message: Message) -> str:
    """How a sent message's words are edited: as the caption of a photo or file, or as text."""
    return CAPTION if message.photo or message.document else TEXT


def shown(rendered: Rendered) -> str:
    """A digest of a card's words and buttons: equal digests, nothing to edit."""
    markup = rendered.keyboard.to_dict() if rendered.keyboard is not None else None
    data = json.dumps([rendered.text, markup], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(data.encode()).hexdigest()[:32]


def sent_card(sent: list[Message], rendered: Rendered) -> dict[str, Any]:
    """For the outbox's record of a sent notice: the message that carries its words and
    buttons (the last one) and its form, so a later edit uses the call that fits it, and what
    it shows (for an edit, what the message shows now)."""
    if rendered.edit_message_id is not None:
        return {"shown": shown(rendered)}
    if not sent:
        return {}
    return {"card": {"message_id": sent[-1].message_id, "form": form_of(sent[-1])},
            "shown": shown(rendered)}


async def redraw(deps: Deps, message: Message, member: Member, case_id: int, *,
                 as_card: bool = True) -> None:
    """A pressed card redrawn at once, as the outbox would redraw it (its waiting edit then
    has nothing left to do): the presser's view in private, a manager's in a group. A message
    the bot has no record of is drawn as the case card when `as_card`, else loses its buttons."""
    reader = member if message.chat.type == "private" else None
    before: str | None = None
    async with deps.sessions() as session:
        card = await find_card(session, case_id, message.chat.id, message.message_id)
        if card is not None:
            view = await reader_view(session, card, reader, deps.settings)
            before = await last_shown(session, card)
        else:
            view = await current_card(session, case_id, reader, deps.settings) \
                if as_card else None
    current = message.reply_markup
    has_buttons = current is not None and bool(current.inline_keyboard)
    markup = view.keyboard if view is not None else None
    try:
        # Buttons carry the case version: the same buttons mean the message is current.
        if (markup is not None and markup == current) or (
                view is None and not has_buttons) or (
                view is not None and shown(view) == before):
            pass
        elif view is None:
            await message.edit_reply_markup(reply_markup=None)
        elif message.photo or message.document:
            caption = fit_caption(view.text)
            if caption:
                await message.edit_caption(caption, parse_mode=ParseMode.HTML, reply_markup=markup)
            else:
                await message.edit_reply_markup(reply_markup=markup)
        else:
            await message.edit_text(view.text, parse_mode=ParseMode.HTML, reply_markup=markup,
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
