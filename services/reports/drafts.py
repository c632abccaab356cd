"""Report drafts: one per member, every answer saved at once, so a restart or a dropped signal
loses nothing.

The draft row IS the conversation state: `Draft.step` says which question the reporter is
answering, and the report handlers read it back from the database on every update instead of
trusting PTB's in-memory ConversationHandler state (which a restart forgets and whose timeout
jobs are not persisted). The caller owns the transaction; answers are written at its commit
(or by autoflush before the next query), so one step costs one UPDATE.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, Draft, Member, Photo, PhotoKind, Severity
from services.members.accounts import account_of
from services.notices.kinds import DraftExpired
from services.notices.queue import queue
from services.photos import PhotoFacts, PhotoStore
from services.photos.rows import photo_row
from services.settings import CaseRules, Category


class ReportStep(StrEnum):
    """The questions of the report conversation, in the order they are asked."""

    CATEGORY = "category"
    PHOTOS = "photos"
    PLACE = "place"
    PLACE_SOURCE = "place_source"  # menus: pick a water source ...
    PLACE_VILLAGE = "place_village"  # ... then a village
    DESCRIPTION = "description"
    SEVERITY = "severity"
    SUMMARY = "summary"
    DUPLICATE = "duplicate"  # "add my photos to #N instead?"


MAIN_STEPS = (
    ReportStep.CATEGORY,
    ReportStep.PHOTOS,
    ReportStep.PLACE,
    ReportStep.DESCRIPTION,
    ReportStep.SEVERITY,
    ReportStep.SUMMARY,
)
# Sub-steps go back to the main step they belong to.
_BELONGS_TO = {
    ReportStep.PLACE_SOURCE: ReportStep.PLACE,
    ReportStep.PLACE_VILLAGE: ReportStep.PLACE,
    ReportStep.DUPLICATE: ReportStep.SUMMARY,
}


class PlaceSource(StrEnum):
    LOCATION = "location"
    EXIF = "exif"
    TYPED = "typed"
    MENU = "menu"


class DraftError(Exception):
    """An answer the draft refuses; `reason` names which, the handler says it in words."""

    def __init__(self, reason: str, **values: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.values = values


@dataclass(frozen=True)
class Started:
    draft: Draft
    resumed: bool  # an open draft was found and kept


@dataclass(frozen=True)
class ExpiredDraft:
    draft_id: int
    member_id: int
    chat_id: str
    photo_count: int


def draft_token(draft: Draft) -> str:
    """A short random tag of this draft, carried in its buttons: ids are reused on SQLite, so a
    button from a cancelled draft must not act on the next one."""
    return str(draft.extra.get("token", ""))


def main_step(step: ReportStep) -> ReportStep:
    return _BELONGS_TO.get(step, step)


def previous_step(step: ReportStep) -> ReportStep | None:
    """Where "Back" leads from `step`; None on the first question."""
    main = main_step(step)
    if main is not step:
        return main
    index = MAIN_STEPS.index(main)
    return MAIN_STEPS[index - 1] if index > 0 else None


def following_step(draft: Draft, done: ReportStep) -> ReportStep:
    """The next question after answering `done`; while editing from the summary, the summary."""
    if draft.extra.get("editing"):
        return ReportStep.SUMMARY
    index = MAIN_STEPS.index(main_step(done))
    following = MAIN_STEPS[min(index + 1, len(MAIN_STEPS) - 1)]
    if following == ReportStep.PLACE and draft.extra.get("poster") and draft.lat is None \
            and draft.extra.get("source_id"):
        return ReportStep.PLACE_VILLAGE  # a report from a source's poster: that source's villages
    return following


def touch(draft: Draft, now: datetime, **extra: Any) -> None:
    draft.updated_at = now
    if extra:
        merged = dict(draft.extra)
        for key, value in extra.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        draft.extra = merged  # a new dict, so the JSON column is seen as changed


async def open_draft(session: AsyncSession, member_id: int) -> Draft | None:
    return await session.scalar(select(Draft).where(Draft.member_id == member_id))


async def member_and_draft(
    session: AsyncSession, platform: str, user_id: int | str
) -> tuple[Member | None, Draft | None]:
    """Who is talking and their open draft, in one query (every update of the conversation)."""
    row = (
        await session.execute(
            select(Member, Draft)
            .outerjoin(Draft, Draft.member_id == Member.id)
            .where(Member.id.in_(account_of(platform, user_id)))
        )
    ).first()
    return (row[0], row[1]) if row is not None else (None, None)


async def reports_since(session: AsyncSession, member_id: int, since: datetime) -> int:
    count = await session.scalar(
        select(func.count(Case.id)).where(Case.reporter_id == member_id, Case.created_at >= since)
    )
    return int(count or 0)


async def check_rate(
    session: AsyncSession, member_id: int, now: datetime, rules: CaseRules
) -> None:
    """Refuse past `reports_per_hour` (raises DraftError("rate_limited"))."""
    done = await reports_since(session, member_id, now - timedelta(hours=1))
    if done >= rules.reports_per_hour:
        raise DraftError("rate_limited", limit=rules.reports_per_hour)


async def start_draft(
    session: AsyncSession,
    member: Member,
    chat_id: str,
    now: datetime,
    rules: CaseRules,
    *,
    restart: bool = False,
    prefill: dict[str, Any] | None = None,
    photos: PhotoStore | None = None,
) -> Started:
    """Open a draft, or keep the open one (`resumed`) unless `restart` drops it first (and the
    stored bytes of its photos, when the photo store is given and nothing else uses them)."""
    existing = await open_draft(session, member.id)
    if existing is not None and not restart:
        return Started(existing, resumed=True)
    await check_rate(session, member.id, now, rules)
    if existing is not None:
        await discard_draft(session, existing, photos)
    draft = Draft(
        member_id=member.id,
        chat_id=chat_id,
        step=ReportStep.CATEGORY,
        extra={**(prefill or {}), "token": secrets.token_hex(3)},
        created_at=now,
        updated_at=now,
    )
    session.add(draft)
    await session.flush()
    return Started(draft, resumed=False)


async def go_to(
    session: AsyncSession, draft: Draft, step: ReportStep, now: datetime, **extra: Any
) -> None:
    """Record which question is being asked (and any small facts for it in `extra`)."""
    draft.step = step
    touch(draft, now, **extra)


async def set_category(
    session: AsyncSession, draft: Draft, category: Category, now: datetime
) -> None:
    """Save the category; its default severity applies unless the reporter chose one."""
    changed = draft.category != category.code
    draft.category = category.code
    if draft.severity is None or (changed and not draft.extra.get("severity_chosen")):
        draft.severity = category.severity
    touch(draft, now)


async def draft_photos(session: AsyncSession, draft_id: int) -> list[Photo]:
    rows = await session.scalars(select(Photo).where(Photo.draft_id == draft_id).order_by(Photo.id))
    return list(rows)


async def photo_count(session: AsyncSession, draft_id: int) -> int:
    count = await session.scalar(select(func.count(Photo.id)).where(Photo.draft_id == draft_id))
    return int(count or 0)


async def has_photo(session: AsyncSession, draft_id: int, sha256: str) -> bool:
    """Whether the draft already holds a picture with these bytes."""
    found = await session.scalar(
        select(Photo.id).where(Photo.draft_id == draft_id, Photo.sha256 == sha256).limit(1))
    return found is not None


async def ensure_photo_room(session: AsyncSession, draft: Draft, rules: CaseRules) -> int:
    """How many photos the draft has; raises DraftError("too_many_photos") when it is full."""
    count = await photo_count(session, draft.id)
    if count >= rules.max_photos:
        raise DraftError("too_many_photos", limit=rules.max_photos)
    return count


async def add_photo(
    session: AsyncSession,
    draft: Draft,
    facts: PhotoFacts,
    stored_path: str,
    now: datetime,
    rules: CaseRules,
    *,
    file_id: str | None = None,
    file_unique_id: str | None = None,
) -> Photo:
    """Attach one checked picture to the draft (the file is already stored under its sha256).
    The same picture twice (a re-delivered update after a crash, or sent again) is refused as
    "already_have_photo": a draft's photos differ by their bytes."""
    if await has_photo(session, draft.id, facts.sha256):
        raise DraftError("already_have_photo")
    await ensure_photo_room(session, draft, rules)
    photo = photo_row(
        facts, stored_path, now, kind=PhotoKind.REPORT, uploaded_by_id=draft.member_id,
        draft_id=draft.id, file_id=file_id, file_unique_id=file_unique_id,
    )
    session.add(photo)
    touch(draft, now)
    await session.flush()
    return photo


async def exif_place(session: AsyncSession, draft_id: int) -> tuple[float, float] | None:
    """The GPS of the first photo (sent as a file) that kept one."""
    for photo in await draft_photos(session, draft_id):
        if photo.exif_lat is not None and photo.exif_lon is not None:
            return photo.exif_lat, photo.exif_lon
    return None


def parse_coordinates(text: str) -> tuple[float, float] | None:
    """'30.87, 120.09' (or with a space, a semicolon or the Chinese comma) -> (lat, lon)."""
    cleaned = text.strip().replace("，", ",").replace(";", ",").replace("；", ",")
    parts = [p for p in cleaned.replace(",", " ").split() if p]
    if len(parts) != 2:
        return None
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0) or lat != lat or lon != lon:
        return None
    return lat, lon


async def set_description(
    session: AsyncSession, draft: Draft, text: str | None, now: datetime, rules: CaseRules
) -> None:
    """Save the words (None to skip); past `max_description` nothing is saved."""
    if text is not None:
        text = text.strip()
        if len(text) > rules.max_description:
            raise DraftError("too_long", limit=rules.max_description, length=len(text))
    draft.description = text or None
    touch(draft, now)


async def set_severity(
    session: AsyncSession, draft: Draft, severity: Severity, now: datetime
) -> None:
    draft.severity = severity
    touch(draft, now, severity_chosen=True)


async def toggle_anonymous(session: AsyncSession, draft: Draft, now: datetime) -> bool:
    draft.anonymous = not draft.anonymous
    touch(draft, now)
    return draft.anonymous


def has_place(draft: Draft) -> bool:
    """A point was kept, or a village was chosen from the list."""
    if draft.place_source == PlaceSource.MENU:
        return draft.chosen_cell_id is not None
    return draft.lat is not None and draft.lon is not None


def missing_answers(draft: Draft, photos: int) -> list[ReportStep]:
    """What must still be answered before the draft can become a case."""
    missing: list[ReportStep] = []
    if draft.category is None:
        missing.append(ReportStep.CATEGORY)
    if photos == 0:
        missing.append(ReportStep.PHOTOS)
    if not has_place(draft):
        missing.append(ReportStep.PLACE)
    return missing


async def discard_draft(
    session: AsyncSession, draft: Draft, photos: PhotoStore | None = None
) -> None:
    """Drop the draft and the rows of its photos. With the photo store, their stored bytes go too
    once the transaction commits, unless another photo row has the same content (files are
    named by sha256, so one file may serve several rows)."""
    dropped = list(await session.execute(
        select(Photo.sha256, Photo.stored_path)
        .where(Photo.draft_id == draft.id, Photo.case_id.is_(None))
    ))
    await session.execute(delete(Photo).where(Photo.draft_id == draft.id, Photo.case_id.is_(None)))
    await session.delete(draft)
    await session.flush()
    if photos is not None and dropped:
        await photos.drop_at_commit(session, [(s, p) for s, p in dropped])


async def expire_drafts(
    session: AsyncSession, now: datetime, ttl: timedelta, store: PhotoStore | None = None
) -> list[ExpiredDraft]:
    """Drop drafts untouched for `ttl` (and, with the photo store, their photos' bytes that nothing
    else uses) and queue a "draft_expired" notice to each reporter.

    For the sweep job; the caller commits.
    """
    stale = list(
        await session.scalars(
            select(Draft).where(Draft.updated_at < now - ttl).order_by(Draft.id).limit(500)
        )
    )
    expired: list[ExpiredDraft] = []
    for draft in stale:
        member = await session.get(Member, draft.member_id)
        photos = await photo_count(session, draft.id)
        expired.append(ExpiredDraft(draft.id, draft.member_id, draft.chat_id, photos))
        await discard_draft(session, draft, store)
        await queue(
            session,
            DraftExpired(photos=photos, hours=round(ttl.total_seconds() / 3600)),
            recipient=member,
            chat_id=None if member is not None else draft.chat_id,
        )
    return expired
