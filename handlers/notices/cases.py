"""Renderers of the notices the workflow and intake queue: the manager's alert, and the
reporter's loop (accepted, fix claimed with before/after, closed + "is it really fixed?")."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.notices.cards import action_buttons, render_card
from handlers.notices.render import notice_translator
from handlers.words import escape
from models import Case, GridCell, Member, Outbox, Photo, PhotoKind
from services.cases import Action, PhotoTime, case_photos, case_stamp
from services.i18n import Translator
from services.notices.card import Card, Picture, Render
from services.notices.kinds import (
    CaseAccepted,
    CaseCheck,
    CaseClosed,
    CaseDispatched,
    CaseMerged,
    CaseNew,
    CaseNotice,
    CaseRectified,
    CaseRejected,
    CaseReopened,
    CaseSentBack,
    FixClaimed,
)
from services.photos import (
    LABEL_AFTER,
    LABEL_BEFORE,
    PhotoLimits,
    PhotoMissing,
    PhotoRejected,
    PhotoStore,
    before_after,
)
from services.photos.stores import photo_store
from services.settings import Settings

log = logging.getLogger(__name__)


K = TypeVar("K", bound=CaseNotice)
CaseRenderer = Callable[
    [AsyncSession, K, Case, Translator, Member | None, Settings], Awaitable[Card | None]
]


def for_case(fn: CaseRenderer[K]) -> Render:
    """The renderer of a notice about one case: it gets the case (the notice is dropped when
    the case is gone) and a translator in the recipient's language."""

    async def render(session: AsyncSession, notice: Any, row: Outbox, member: Member | None,
                     settings: Settings) -> Card | None:
        case = await session.get(Case, notice.case_id)
        if case is None:
            return None
        return await fn(session, notice, case, notice_translator(member, settings), member,
                        settings)

    render.__doc__ = fn.__doc__
    render.__wrapped__ = fn  # type: ignore[attr-defined]
    return render


def _reason(reason: str | None) -> str:
    return escape(reason or "")


@for_case
async def render_case_new(
    session: AsyncSession, notice: CaseNew, case: Case, t: Translator, member: Member | None,
    settings: Settings,
) -> Card | None:
    """The manager's alert: the report's photos, the card, and the buttons of what they may do."""
    banner = None
    if notice.rerouted:
        banner = t("↪️ Rerouted to your cell: {reason}", reason=_reason(notice.reason))
    return await render_card(
        session, case.id, member, settings, banner=banner, history=False, photos=True
    )


@for_case
async def render_dispatched(
    session: AsyncSession, notice: CaseDispatched, case: Case, t: Translator, member: Member | None,
    settings: Settings,
) -> Card | None:
    banner = t("📌 A case was dispatched to you.")
    return await render_card(session, case.id, member, settings, banner=banner)


@for_case
async def render_sent_back(
    session: AsyncSession, notice: CaseSentBack, case: Case, t: Translator, member: Member | None,
    settings: Settings,
) -> Card | None:
    banner = t("↩️ The fix was not accepted: {reason}", reason=_reason(notice.reason))
    return await render_card(session, case.id, member, settings, banner=banner)


@for_case
async def render_reopened(
    session: AsyncSession, notice: CaseReopened, case: Case, t: Translator, member: Member | None,
    settings: Settings,
) -> Card | None:
    if notice.by_reporter:
        banner = t(
            "🔁 Reopened and escalated to your cell: the reporter says it is not fixed. {note}",
            note=_reason(notice.reason),
        )
    else:
        banner = t("🔁 Reopened: {reason}", reason=_reason(notice.reason))
    return await render_card(session, case.id, member, settings, banner=banner)


async def _draw_before_after(
    case_id: int, store: PhotoStore, before: str, after: str, labels: tuple[str, str],
    limits: PhotoLimits, stamp: list[str],
) -> bytes | None:
    """Read both originals from the store and draw them as one stamped picture (in a thread);
    None when either is missing or unreadable."""
    try:
        before_bytes, after_bytes = await store.read(before), await store.read(after)
    except (OSError, PhotoMissing):
        return None
    try:
        return await asyncio.to_thread(before_after, before_bytes, after_bytes, labels,
                                       limits=limits, stamp=stamp)
    except (PhotoRejected, OSError, ValueError):
        log.warning("case %s: no before/after picture", case_id, exc_info=True)
        return None


async def before_after_picture(
    session: AsyncSession, case: Case, after_photo_id: int | None, settings: Settings,
    t: Translator, fallback: tuple[str, ...] = (),
) -> Picture | None:
    """The job drawing the first report photo and the after-photo as one image, under the
    stamp every display copy has (sent instead: `fallback`); None when either is missing."""
    reported = [p for p in await case_photos(session, case.id) if p.kind == PhotoKind.REPORT]
    before = reported[0] if reported else None
    after = await session.get(Photo, after_photo_id) if after_photo_id else None
    if before is None or after is None:
        return None
    labels = (t(LABEL_BEFORE), t(LABEL_AFTER))
    stamp = await case_stamp(session, case, [PhotoTime.of(before, labels[0]),
                                             PhotoTime.of(after, labels[1])],
                             settings.locale.timezone, t)
    return Picture(
        partial(_draw_before_after, case.id, photo_store(settings, session), before.stored_path,
                after.stored_path, labels, settings.photos, stamp),
        fallback,
    )


async def _fix_picture(
    session: AsyncSession, notice: FixClaimed, case: Case, settings: Settings, t: Translator
) -> tuple[Picture | None, tuple[str, ...]]:
    """The before/after picture, else the after-photo by file id, else nothing."""
    after_id = notice.after_photo_id
    after = await session.get(Photo, after_id) if after_id else None
    file_ids = (after.platform_file_id,) if after is not None and after.platform_file_id else ()
    picture = await before_after_picture(session, case, after_id or None, settings, t, file_ids)
    if picture is not None:
        return picture, ()
    return None, file_ids


def _far_warning(notice: FixClaimed, t: Translator) -> str | None:
    if not notice.far:
        return None
    distance = round(float(notice.distance_m or 0))
    return t(
        "⚠️ The after-photo was taken {distance} m from the reported place. Check on site.",
        distance=distance,
    )


@for_case
async def render_check(
    session: AsyncSession, notice: CaseCheck, case: Case, t: Translator, member: Member | None,
    settings: Settings,
) -> Card | None:
    """The checker's notice: before/after, a distance warning, the card and check buttons."""
    banner = t("🔍 A fix was claimed: please check it (核查).")
    warning = _far_warning(notice, t)
    if warning:
        banner = f"{banner}\n{warning}"
    card = await render_card(session, case.id, member, settings, banner=banner, history=False)
    if card is None:
        return None
    picture, file_ids = await _fix_picture(session, notice, case, settings, t)
    return Card(
        text=card.text, picture=picture, photo_file_ids=file_ids, buttons=card.buttons
    )


async def _cell_name(session: AsyncSession, cell_id: int) -> str:
    cell = await session.get(GridCell, cell_id)
    return cell.name if cell else ""


@for_case
async def render_accepted(
    session: AsyncSession, notice: CaseAccepted, case: Case, t: Translator, member: Member | None,
    settings: Settings,
) -> Card | None:
    return Card(
        text=t(
            "✅ Your report {number} was accepted by {cell}. You will hear when it is fixed.",
            number=escape(case.number),
            cell=escape(await _cell_name(session, case.cell_id)),
        )
    )


@for_case
async def render_rectified(
    session: AsyncSession, notice: CaseRectified, case: Case, t: Translator, member: Member | None,
    settings: Settings,
) -> Card | None:
    picture, file_ids = await _fix_picture(session, notice, case, settings, t)
    return Card(
        text=t(
            "🛠 A fix was claimed for your report {number}: before and after. It will be "
            "checked before the case is closed.",
            number=escape(case.number),
        ),
        picture=picture,
        photo_file_ids=file_ids,
    )


@for_case
async def render_closed(
    session: AsyncSession, notice: CaseClosed, case: Case, t: Translator, member: Member | None,
    settings: Settings,
) -> Card | None:
    """The reporter hears the case is closed and is asked whether it is really fixed."""
    return Card(
        text=t(
            "🏁 Your report {number} was closed (销号). Is it really fixed?",
            number=escape(case.number),
        ),
        buttons=action_buttons(case.id, case.version, [Action.CONFIRM, Action.NOT_FIXED], t),
    )


@for_case
async def render_rejected(
    session: AsyncSession, notice: CaseRejected, case: Case, t: Translator, member: Member | None,
    settings: Settings,
) -> Card | None:
    return Card(
        text=t(
            "Your report {number} was not taken up: {reason}",
            number=escape(case.number),
            reason=_reason(notice.reason),
        )
    )


@for_case
async def render_merged(
    session: AsyncSession, notice: CaseMerged, case: Case, t: Translator, member: Member | None,
    settings: Settings,
) -> Card | None:
    into = await session.get(Case, notice.into_id) if notice.into_id else None
    if into is None:
        return None
    return Card(
        text=t(
            "Your report {number} is about the same problem as case {target}; they were "
            "merged, your photos are kept, and you will hear how {target} ends.",
            number=escape(case.number),
            target=escape(into.number),
        )
    )
