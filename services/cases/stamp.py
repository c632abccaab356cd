"""The one stamp under every picture we make of a case's photos (display copies, the group's
copy, before/after): the case number, when each photo was taken (EXIF DateTimeOriginal,
"taken") or else received by the bot ("received"), in local time, and the place as accepted
(a measured point, or the village chosen from the list, never coordinates standing in for it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, GridCell, Photo
from services.i18n import Translator, translator
from services.photos import has_cjk_font
from services.reports import CasePlace, case_place


@dataclass(frozen=True)
class PhotoTime:
    taken: datetime | None  # DateTimeOriginal, when the photo kept it
    received: datetime  # when the bot got it
    label: str = ""  # e.g. "Before", when one picture shows several photos

    @classmethod
    def of(cls, photo: Photo, label: str = "") -> PhotoTime:
        return cls(photo.exif_time, photo.created_at, label)


def time_line(when: PhotoTime, timezone: str, t: Translator) -> str:
    """'拍摄 2026-05-01 09:30 CST' from EXIF, else '接收 2026-11-28 10:02 CST'."""
    moment = when.taken or when.received
    local = moment.astimezone(ZoneInfo(timezone))
    text = local.strftime("%Y-%m-%d %H:%M ") + (local.tzname() or timezone)
    line = t("taken {time}", time=text) if when.taken else t("received {time}", time=text)
    return f"{when.label} {line}" if when.label else line


def place_line(place: CasePlace, t: Translator) -> str:
    if place.point is None:
        return t("chosen from the list: {name}", name=place.chosen or "?")
    return f"{place.point[0]:.5f}, {place.point[1]:.5f}"


def stamp_lines(number: str, place: CasePlace, cell: GridCell | None,
                photos: Sequence[PhotoTime], timezone: str, t: Translator) -> list[str]:
    """The stamp, line by line: number, one time per photo, place, cell (code and name)."""
    lines = [number, *(time_line(p, timezone, t) for p in photos), place_line(place, t)]
    if cell is not None:
        lines.append(f"{cell.code} {cell.name}")
    return lines


async def case_stamp(session: AsyncSession, case: Case, photos: Sequence[PhotoTime],
                     timezone: str, t: Translator) -> list[str]:
    """The stamp of a picture of `photos` of the case, its place and cell as they are now;
    in English where no Chinese font can draw it (a stripped "拍摄" would lose its meaning)."""
    cell = await session.get(GridCell, case.cell_id)
    if not has_cjk_font():
        t = translator("en")
    return stamp_lines(case.number, await case_place(session, case), cell, photos, timezone, t)
