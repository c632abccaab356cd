"""What a bound group is sent: the case card with a manager's buttons (photos without EXIF),
and the managers' private word that their group is gone (the card's later edits are
handlers.notices.refresh's). Group text is in the configured default language."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.notices.cards import render_card
from handlers.notices.render import notice_translator
from handlers.words import escape, level_name
from models import Case, GridCell, GroupBinding, Member, Outbox, PhotoKind
from services.cases import case_photos, stamped_copy_job
from services.i18n import N_, translator
from services.notices.card import Card, Picture
from services.notices.kinds import GroupCase, GroupUnbound
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


async def render_group_case(
    session: AsyncSession, notice: GroupCase, row: Outbox, member: Member | None,
    settings: Settings,
) -> Card | None:
    """The case card in a group: every member sees it, a press acts as the presser."""
    case = await session.get(Case, notice.case_id)
    if case is None:
        return None
    t = translator(settings.locale.default)
    banner = t("📣 New case in your part of the grid.")
    if notice.tag == "rerouted":
        banner = t("↪️ A case was rerouted to your part of the grid.")
    card = await render_card(session, case.id, None, settings, banner=banner, history=False,
                             language=settings.locale.default)
    if card is None:
        return None
    file_ids, picture = await group_photos(session, case, settings)
    return Card(text=card.text, photo_file_ids=file_ids, picture=picture,
                    buttons=card.buttons)


async def render_unbound(
    session: AsyncSession, notice: GroupUnbound, row: Outbox, member: Member | None,
    settings: Settings,
) -> Card | None:
    binding = await session.get(GroupBinding, notice.binding_id)
    if binding is None:
        return None
    t = notice_translator(member, settings)
    cell = await session.get(GridCell, binding.cell_id)
    where = t("{name} ({level})", name=escape(cell.name), level=level_name(cell.level, t)) \
        if cell else "?"
    text = UNBOUND_TEXT.get(str(notice.reason), UNBOUND_TEXT["removed"])
    return Card(text=t(text, title=escape(binding.title or binding.chat_id), cell=where))
