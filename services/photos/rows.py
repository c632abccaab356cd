"""The Photo row for a picture intake has checked: one place maps PhotoFacts onto the columns, so
a report photo, an after-photo and a reporter's evidence are recorded alike."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Photo, PhotoKind
from services.photos.evidence import PhotoFacts


def photo_row(
    facts: PhotoFacts,
    stored_path: str,
    now: datetime,
    *,
    kind: PhotoKind,
    uploaded_by_id: int,
    case_id: int | None = None,
    draft_id: int | None = None,
    file_id: str | None = None,
    file_unique_id: str | None = None,
) -> Photo:
    """A new (not yet added) Photo of `kind` for the stored file, from its checked facts."""
    return Photo(
        case_id=case_id,
        draft_id=draft_id,
        uploaded_by_id=uploaded_by_id,
        kind=kind,
        sha256=facts.sha256,
        stored_path=stored_path,
        size_bytes=facts.size_bytes,
        width=facts.width,
        height=facts.height,
        mime=facts.mime,
        exif_time=facts.exif_time,
        exif_lat=facts.exif_lat,
        exif_lon=facts.exif_lon,
        phash=facts.phash,
        platform_file_id=file_id,
        platform_file_unique_id=file_unique_id,
        created_at=now,
    )


async def contents_in_use(session: AsyncSession, shas: set[str]) -> set[str]:
    """Which of these contents a photo row still has, as this transaction sees it (a stored
    picture may serve several rows: the stores name it by content)."""
    if not shas:
        return set()
    return set(await session.scalars(select(Photo.sha256).where(Photo.sha256.in_(shas))))
