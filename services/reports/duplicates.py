"""Open cases that may be the problem being reported, offered before a new case is filed.

Measured points are compared by distance. A village chosen from the list is no point: such a
case (or such a report) matches the open cases of the same kind filed under that village,
with no distance claimed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import OPEN_STATES, Case, GridCell, Photo
from services.grid import distance_m
from services.photos import hamming
from services.settings import CaseRules


@dataclass(frozen=True)
class Duplicate:
    case_id: int
    number: str
    distance_m: float | None  # None when no two measured points were compared
    photo_match: bool
    village: str | None = None  # matched as the same village, one place chosen from the list


def _apart(lat: float | None, lon: float | None, case: Case) -> float | None:
    if lat is None or lon is None or case.lat is None or case.lon is None:
        return None
    return distance_m(lat, lon, case.lat, case.lon)


async def find_duplicates(
    session: AsyncSession,
    category: str,
    lat: float | None,
    lon: float | None,
    phashes: list[str],
    now: datetime,
    rules: CaseRules,
    *,
    cell_id: int | None = None,
) -> list[Duplicate]:
    """Open cases of the window that may be the same problem: the same category within the
    radius of a measured point (lat, lon), or filed under the same village `cell_id` when
    either place was chosen from the list (lat None: this one was), or holding a photo within
    the pHash distance. Nearest first, then by id."""
    since = now - rules.duplicate_window
    recent = (Case.state.in_(list(OPEN_STATES)), Case.created_at >= since)
    found: dict[int, Duplicate] = {}
    if lat is not None and lon is not None:
        # A bounding box in SQL, then the exact distance here.
        dlat = rules.duplicate_radius_m / 111_320.0
        dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
        nearby = await session.scalars(
            select(Case).where(
                Case.category == category, *recent,
                Case.lat.between(lat - dlat, lat + dlat),
                Case.lon.between(lon - dlon, lon + dlon),
            )
        )
        for case in nearby:
            d = _apart(lat, lon, case)
            if d is not None and d <= rules.duplicate_radius_m:
                found[case.id] = Duplicate(case.id, case.number, d, photo_match=False)
    if cell_id is not None:
        same_village = select(Case, GridCell.name).join(
            GridCell, GridCell.id == Case.origin_cell_id
        ).where(Case.category == category, Case.origin_cell_id == cell_id, *recent)
        if lat is not None:
            same_village = same_village.where(Case.lat.is_(None))
        for case, village in await session.execute(same_village):
            found.setdefault(case.id, Duplicate(case.id, case.number, None, photo_match=False,
                                                village=village))
    if phashes:
        rows = await session.execute(
            select(Case, Photo.phash).join(Photo, Photo.case_id == Case.id).where(*recent)
        )
        for case, phash in rows:
            if any(hamming(phash, mine) <= rules.duplicate_phash_distance for mine in phashes):
                prior = found.get(case.id)
                found[case.id] = Duplicate(
                    case.id, case.number,
                    prior.distance_m if prior else _apart(lat, lon, case),
                    photo_match=True,
                    village=prior.village if prior else None,
                )
    return sorted(found.values(), key=lambda d: (d.distance_m or 0.0, d.case_id))
