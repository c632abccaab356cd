"""Display copies: what managers see of a report's photo once the case has its number.

At most `photos.display_max_side` px, upright, a footer stamp (services.cases.stamp: case number,
when it was taken or received, the place as accepted, cell) and no metadata at all, written
in the photo store config chooses, at `display/ab/cd/<sha256>-<case id>.jpg` (content and case
only: no user text in the key). Made after intake's commit, with no session open across Pillow,
in a thread.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, Photo, PhotoKind
from models.db import SessionFactory
from services.cases.stamp import PhotoTime, case_stamp
from services.i18n import translator
from services.photos import (
    BlobKind,
    PhotoMissing,
    PhotoRejected,
    PhotoStore,
    display_source,
    render_display_copy,
)
from services.photos.stores import photo_store
from services.settings import Settings

log = logging.getLogger(__name__)

DISPLAY_DIR = "display"
_SHA256 = re.compile(r"[0-9a-f]{64}")


def display_path(sha256: str, case_id: int) -> str:
    """The key of the display copy of one picture in one case (its path in the file store)."""
    if not _SHA256.fullmatch(sha256):
        raise ValueError("not a sha256")
    return f"{DISPLAY_DIR}/{sha256[:2]}/{sha256[2:4]}/{sha256}-{int(case_id)}.jpg"


async def display_stamp(session: AsyncSession, case: Case, photo: Photo,
                        settings: Settings) -> list[str]:
    """The stamp of one photo's display copy (services.cases.stamp), in the default language: the
    copy is made once and sent to everyone."""
    return await case_stamp(session, case, [PhotoTime.of(photo)], settings.locale.timezone,
                            translator(settings.locale.default))


@dataclass(frozen=True)
class _Work:
    photo_id: int
    sha256: str
    stored_path: str


async def _render_and_store(
    store: PhotoStore, settings: Settings, work: _Work, case_id: int, lines: list[str]
) -> tuple[str, bytes]:
    data = await display_source(store, work.stored_path)
    copy = await asyncio.to_thread(
        render_display_copy, data, lines, settings.photos.display_max_side, limits=settings.photos
    )
    relative = display_path(work.sha256, case_id)
    await store.put(relative, copy, BlobKind.DISPLAY)
    return relative, copy


async def _read_or_make(store: PhotoStore, settings: Settings, photo_id: int,
                        display: str | None, make: tuple[_Work, int, list[str]] | None
                        ) -> bytes | None:
    if display:
        try:
            return await store.read(display)
        except (OSError, PhotoMissing):
            log.warning("photo %s: display copy %s is gone; making it again", photo_id, display)
    if make is None:
        return None
    try:
        _, copy = await _render_and_store(store, settings, make[0], make[1], make[2])
    except (OSError, ValueError, PhotoRejected, PhotoMissing):
        log.warning("photo %s: no display copy", photo_id, exc_info=True)
        return None
    return copy


async def stamped_copy_job(
    session: AsyncSession, photo: Photo, settings: Settings
) -> Callable[[], Awaitable[bytes | None]] | None:
    """What gives the display copy's bytes, to await once the session is closed: read from the
    photo store, else made then (Pillow in a thread) and kept; None (now or from the job) if
    impossible.

    For renderers that find a photo whose copy is not there yet (a notice sent before
    `make_display_copies` finished)."""
    if photo.case_id is None:
        return None
    case = await session.get(Case, photo.case_id)
    make = None
    if case is not None:
        make = (_Work(photo.id, photo.sha256, photo.stored_path), case.id,
                await display_stamp(session, case, photo, settings))
    return partial(_read_or_make, photo_store(settings, session), settings, photo.id,
                   photo.display_path, make)


async def make_display_copies(sessions: SessionFactory, settings: Settings, case_id: int) -> int:
    """Write the stamped copy of every report photo of the case that has none, and record it;
    how many were made. Three steps, so no session is open while Pillow works."""
    async with sessions() as session:
        case = await session.get(Case, case_id)
        if case is None:
            return 0
        todo = [
            (_Work(p.id, p.sha256, p.stored_path), await display_stamp(session, case, p, settings))
            for p in await session.scalars(
                select(Photo).where(
                    Photo.case_id == case_id,
                    Photo.kind != PhotoKind.AFTER,
                    Photo.display_path.is_(None),
                ).order_by(Photo.id)
            )
        ]
    made: dict[int, str] = {}
    store = photo_store(settings, sessions)
    for work, lines in todo:
        try:
            made[work.photo_id], _ = await _render_and_store(store, settings, work, case_id,
                                                             lines)
        except (OSError, ValueError, PhotoRejected, PhotoMissing):
            log.warning("case %s: no display copy of photo %s", case_id, work.photo_id,
                        exc_info=True)
    if made:
        async with sessions() as session:
            for photo_id, relative in made.items():
                await session.execute(
                    update(Photo)
                    .where(Photo.id == photo_id, Photo.display_path.is_(None))
                    .values(display_path=relative)
                )
            await session.commit()
    return len(made)


async def remember_sent_ids(session: AsyncSession, file_ids: dict[int, str]) -> None:
    """Keep the id Telegram gave each display copy it received, so later notices send it by id
    (only where none is kept yet: a compressed photo's own id stays)."""
    for photo_id, file_id in file_ids.items():
        await session.execute(
            update(Photo)
            .where(Photo.id == photo_id, Photo.platform_file_id.is_(None))
            .values(platform_file_id=file_id)
        )
