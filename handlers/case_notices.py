"""Renderers of the notices the workflow and intake queue: the manager's alert, and the
reporter's loop (accepted, fix claimed with before/after, closed + "is it really fixed?")."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.cards import keyboard, render_card
from handlers.common import escape
from handlers.render import Rendered, renderer
from models import Case, GridCell, Member, Outbox, Photo, PhotoKind
from services.cases import merged_case_ids
from services.i18n import Translator, translator
from services.photos import LABEL_AFTER, LABEL_BEFORE, PhotoRejected, before_after_async
from services.settings import Settings
from services.workflow_rules import Action

log = logging.getLogger(__name__)


def _t(member: Member | None, settings: Settings) -> Translator:
    return translator(member.language if member else settings.locale.default)


async def _case(session: AsyncSession, row: Outbox) -> Case | None:
    case_id = row.payload.get("case_id", row.case_id)
    return await session.get(Case, int(case_id)) if case_id is not None else None


@renderer("case_new")
async def render_case_new(
    session: AsyncSession, row: Outbox, member: Member | None, settings: Settings
) -> Rendered | None:
    """The manager's alert: the report's photos, the card, and the buttons of what they may do."""
    t = _t(member, settings)
    banner = None
    if row.payload.get("rerouted"):
        reason = escape(str(row.payload.get("reason", "")))
        banner = t("↪️ Rerouted to your cell: {reason}", reason=reason)
    case = await _case(session, row)
    if case is None:
        return None
    return await render_card(
        session, case.id, member, settings, banner=banner, history=False, photos=True
    )


async def _staff_card(
    session: AsyncSession, row: Outbox, member: Member | None, settings: Settings, banner: str
) -> Rendered | None:
    case = await _case(session, row)
    if case is None:
        return None
    return await render_card(session, case.id, member, settings, banner=banner)


@renderer("case_dispatched")
async def render_dispatched(
    session: AsyncSession, row: Outbox, member: Member | None, settings: Settings
) -> Rendered | None:
    t = _t(member, settings)
    return await _staff_card(session, row, member, settings, t("📌 A case was dispatched to you."))


@renderer("case_sent_back")
async def render_sent_back(
    session: AsyncSession, row: Outbox, member: Member | None, settings: Settings
) -> Rendered | None:
    t = _t(member, settings)
    reason = escape(str(row.payload.get("reason", "")))
    banner = t("↩️ The fix was not accepted: {reason}", reason=reason)
    return await _staff_card(session, row, member, settings, banner)


@renderer("case_reopened")
async def render_reopened(
    session: AsyncSession, row: Outbox, member: Member | None, settings: Settings
) -> Rendered | None:
    t = _t(member, settings)
    reason = escape(str(row.payload.get("reason") or ""))
    if row.payload.get("by_reporter"):
        banner = t(
            "🔁 Reopened and escalated to your cell: the reporter says it is not fixed. {note}",
            note=reason,
        )
    else:
        banner = t("🔁 Reopened: {reason}", reason=reason)
    return await _staff_card(session, row, member, settings, banner)


async def _read(settings: Settings, photo: Photo | None) -> bytes | None:
    if photo is None:
        return None
    path = Path(settings.photos_dir) / photo.stored_path
    try:
        return await asyncio.to_thread(path.read_bytes)
    except OSError:
        return None


async def before_after_picture(
    session: AsyncSession, case: Case, after_photo_id: int | None, settings: Settings,
    t: Translator,
) -> bytes | None:
    """One image of the first report photo and the after-photo; None when either is missing."""
    ids = [case.id, *await merged_case_ids(session, case.id)]
    before = await session.scalar(
        select(Photo)
        .where(Photo.case_id.in_(ids), Photo.kind == PhotoKind.REPORT)
        .order_by(Photo.id)
        .limit(1)
    )
    after = await session.get(Photo, after_photo_id) if after_photo_id else None
    before_bytes, after_bytes = await _read(settings, before), await _read(settings, after)
    if before_bytes is None or after_bytes is None:
        return None
    try:
        return await before_after_async(
            before_bytes, after_bytes, (t(LABEL_BEFORE), t(LABEL_AFTER)), limits=settings.photos
        )
    except (PhotoRejected, OSError, ValueError):
        log.warning("case %s: no before/after picture", case.id, exc_info=True)
        return None


async def _fix_picture(
    session: AsyncSession, row: Outbox, case: Case, settings: Settings, t: Translator
) -> tuple[bytes | None, tuple[str, ...]]:
    """The before/after picture, else the after-photo by file id, else nothing."""
    after_id = row.payload.get("after_photo_id")
    picture = await before_after_picture(
        session, case, int(after_id) if after_id else None, settings, t
    )
    if picture is not None:
        return picture, ()
    after = await session.get(Photo, int(after_id)) if after_id else None
    if after is not None and after.platform_file_id:
        return None, (after.platform_file_id,)
    return None, ()


def _far_warning(row: Outbox, t: Translator) -> str | None:
    if not row.payload.get("far"):
        return None
    distance = round(float(row.payload.get("distance_m") or 0))
    return t(
        "⚠️ The after-photo was taken {distance} m from the reported place. Check on site.",
        distance=distance,
    )


@renderer("case_check")
async def render_check(
    session: AsyncSession, row: Outbox, member: Member | None, settings: Settings
) -> Rendered | None:
    """The checker's notice: before/after, a distance warning, the card and check buttons."""
    t = _t(member, settings)
    case = await _case(session, row)
    if case is None:
        return None
    banner = t("🔍 A fix was claimed: please check it (核查).")
    warning = _far_warning(row, t)
    if warning:
        banner = f"{banner}\n{warning}"
    card = await render_card(session, case.id, member, settings, banner=banner, history=False)
    if card is None:
        return None
    picture, file_ids = await _fix_picture(session, row, case, settings, t)
    return Rendered(
        text=card.text, photo_bytes=picture, photo_file_ids=file_ids, keyboard=card.keyboard
    )


async def _cell_name(session: AsyncSession, cell_id: int) -> str:
    cell = await session.get(GridCell, cell_id)
    return cell.name if cell else ""


@renderer("case_accepted")
async def render_accepted(
    session: AsyncSession, row: Outbox, member: Member | None, settings: Settings
) -> Rendered | None:
    t = _t(member, settings)
    case = await _case(session, row)
    if case is None:
        return None
    return Rendered(
        text=t(
            "✅ Your report {number} was accepted by {cell}. You will hear when it is fixed.",
            number=escape(case.number),
            cell=escape(await _cell_name(session, case.cell_id)),
        )
    )


@renderer("case_rectified")
async def render_rectified(
    session: AsyncSession, row: Outbox, member: Member | None, settings: Settings
) -> Rendered | None:
    t = _t(member, settings)
    case = await _case(session, row)
    if case is None:
        return None
    picture, file_ids = await _fix_picture(session, row, case, settings, t)
    return Rendered(
        text=t(
            "🛠 A fix was claimed for your report {number}: before and after. It will be "
            "checked before the case is closed.",
            number=escape(case.number),
        ),
        photo_bytes=picture,
        photo_file_ids=file_ids,
    )


@renderer("case_closed")
async def render_closed(
    session: AsyncSession, row: Outbox, member: Member | None, settings: Settings
) -> Rendered | None:
    """The reporter hears the case is closed and is asked whether it is really fixed."""
    t = _t(member, settings)
    case = await _case(session, row)
    if case is None:
        return None
    return Rendered(
        text=t(
            "🏁 Your report {number} was closed (销号). Is it really fixed?",
            number=escape(case.number),
        ),
        keyboard=keyboard(case.id, case.version, [Action.CONFIRM, Action.NOT_FIXED], t),
    )


@renderer("case_rejected")
async def render_rejected(
    session: AsyncSession, row: Outbox, member: Member | None, settings: Settings
) -> Rendered | None:
    t = _t(member, settings)
    case = await _case(session, row)
    if case is None:
        return None
    return Rendered(
        text=t(
            "Your report {number} was not taken up: {reason}",
            number=escape(case.number),
            reason=escape(str(row.payload.get("reason", ""))),
        )
    )


@renderer("case_merged")
async def render_merged(
    session: AsyncSession, row: Outbox, member: Member | None, settings: Settings
) -> Rendered | None:
    t = _t(member, settings)
    case = await _case(session, row)
    into_id = row.payload.get("into_id")
    into = await session.get(Case, int(into_id)) if into_id else None
    if case is None or into is None:
        return None
    return Rendered(
        text=t(
            "Your report {number} is about the same problem as case {target}; they were "
            "merged, your photos are kept, and you will hear how {target} ends.",
            number=escape(case.number),
            target=escape(into.number),
        )
    )
