"""What a bound group is sent: the case card with a manager's buttons (photos without EXIF),
the edit of that card after the case moves, and the managers' private word that their group
is gone. Group text is in the configured default language."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot
from telegram.constants import MessageLimit, ParseMode
from telegram.error import BadRequest

from handlers.cards import EVENT_LABELS, NO_PREVIEW, render_card, visible_length
from handlers.common import escape, level_name
from handlers.render import Picture, Rendered, notice_translator, renderer
from models import Case, GridCell, GroupBinding, Member, Outbox, PhotoKind
from services.cases import case_photos, last_move
from services.display import stamped_copy_job
from services.groups import ALERT_KIND, CARD_KIND, UNBOUND_KIND, card_messages
from services.i18n import N_, Translator, translator
from services.settings import Settings

log = logging.getLogger(__name__)

UNBOUND_TEXT = {
    "unbind": N_("The group chat “{title}” no longer serves {cell}: it was unbound with "
                 "/unbind. Alerts come to you privately again."),
    "removed": N_("I was removed from the group chat “{title}”, so it no longer serves {cell}. "
                  "Alerts come to you privately. To bind a group again, send me /invite and "
                  "choose “Group chat”."),
    "forbidden": N_("I may no longer post in the group chat “{title}” (Telegram refused), so it "
                    "no longer serves {cell}. Alerts come to you privately. Check my rights "
                    "in the group, then bind it again with a new group invite."),
}


async def group_photos(session: AsyncSession, case: Case, settings: Settings
                       ) -> tuple[tuple[str, ...], Picture | None]:
    """Report photos a group may see: Telegram's compressed photos (no EXIF survives them) by
    file id; a picture sent as a file that kept EXIF only as its display copy (re-encoded, so
    no EXIF; the managers' stamped copy), one per card, read or drawn after the session is
    closed."""
    photos = [p for p in await case_photos(session, case.id) if p.kind != PhotoKind.AFTER]
    kept_exif = [p for p in photos
                 if p.exif_time is not None or p.exif_lat is not None or p.exif_lon is not None]
    clean = tuple(p.platform_file_id for p in photos if p.platform_file_id and p not in kept_exif)
    if not kept_exif:
        return clean[:10], None
    draw = await stamped_copy_job(session, kept_exif[0], settings)  # the managers' copy
    if draw is None:
        return clean[:10], None
    return clean[:9], Picture(draw, fallback=clean[9:10])  # the tenth when no copy is drawn


@renderer(ALERT_KIND)
async def render_group_case(
    session: AsyncSession, row: Outbox, member: Member | None, settings: Settings
) -> Rendered | None:
    """The case card in a group: every member sees it, a press acts as the presser."""
    case = await session.get(Case, int(row.payload["case_id"]))
    if case is None:
        return None
    t = translator(settings.locale.default)
    banner = t("📣 New case in your part of the grid.")
    if row.payload.get("tag") == "rerouted":
        banner = t("↪️ A case was rerouted to your part of the grid.")
    card = await render_card(session, case.id, None, settings, banner=banner, history=False,
                             language=settings.locale.default)
    if card is None:
        return None
    file_ids, picture = await group_photos(session, case, settings)
    return Rendered(text=card.text, photo_file_ids=file_ids, picture=picture,
                    keyboard=card.keyboard)


@renderer(CARD_KIND)
async def render_group_card(
    session: AsyncSession, row: Outbox, member: Member | None, settings: Settings
) -> Rendered | None:
    """The group's card as the case is now (who holds it, its state, its buttons), as an edit."""
    posted = await card_messages(session, int(row.payload["card_row"]))
    case = await session.get(Case, int(row.payload["case_id"]))
    card = await group_card(session, case.id, settings) if case is not None else None
    if not posted or case is None or card is None:
        return None
    # One message with a picture was a photo carrying the card as its caption (see bot.outbox).
    # (As before: only a card with a file id counts, not one whose only photo is a display copy.)
    caption = len(posted) == 1 and bool((await group_photos(session, case, settings))[0])
    return Rendered(text=card.text, keyboard=card.keyboard, edit_message_id=posted[-1],
                    edit_caption=caption)


async def group_card(session: AsyncSession, case_id: int, settings: Settings) -> Rendered | None:
    """A group's card as the case is now: who moved it last on top, a manager's buttons."""
    t = translator(settings.locale.default)
    return await render_card(session, case_id, None, settings, history=False,
                             banner=await _last_move(session, case_id, t),
                             language=settings.locale.default)


# The moves a group card names: staff work, never what a reporter did (they may be anonymous).
MOVES = ("accepted", "dispatched", "planned", "fix_claimed", "checked", "sent_back", "closed",
         "rejected", "rerouted", "merged", "reopened", "escalated", "taken_over", "handed_down",
         "supervision_order", "handed_over")


async def _last_move(session: AsyncSession, case_id: int, t: Translator) -> str | None:
    """'Accepted by 王五' on top of an edited card: the last move and who made it (the system,
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


@renderer(UNBOUND_KIND)
async def render_unbound(
    session: AsyncSession, row: Outbox, member: Member | None, settings: Settings
) -> Rendered | None:
    binding = await session.get(GroupBinding, int(row.payload["binding_id"]))
    if binding is None:
        return None
    t = notice_translator(member, settings)
    cell = await session.get(GridCell, binding.cell_id)
    where = t("{name} ({level})", name=escape(cell.name), level=level_name(cell.level, t)) \
        if cell else "?"
    text = UNBOUND_TEXT.get(str(row.payload.get("reason")), UNBOUND_TEXT["removed"])
    return Rendered(text=t(text, title=escape(binding.title or binding.chat_id), cell=where))


async def edit_card(bot: Bot, chat_id: str, rendered: Rendered) -> list[int]:
    """The outbox's way of editing a posted card: text, else caption (a photo card), else only
    the buttons; a card already current, or deleted by the group, needs nothing."""
    message_id = rendered.edit_message_id
    assert message_id is not None
    text, markup = rendered.text, rendered.keyboard
    try:
        if not rendered.edit_caption:
            await bot.edit_message_text(text, chat_id, message_id, parse_mode=ParseMode.HTML,
                                        reply_markup=markup, link_preview_options=NO_PREVIEW)
        elif visible_length(text) <= MessageLimit.CAPTION_LENGTH:
            await bot.edit_message_caption(chat_id, message_id, caption=text,
                                           parse_mode=ParseMode.HTML, reply_markup=markup)
        else:
            await bot.edit_message_reply_markup(chat_id, message_id, reply_markup=markup)
    except BadRequest as exc:
        problem = str(exc).lower()
        if "not modified" not in problem and "not found" not in problem:
            raise
        log.info("group card %s in %s: nothing to edit (%s)", message_id, chat_id, exc)
    return [message_id]
