"""Cases as open data for GIS desks (QGIS, 天地图) and spreadsheets: one GeoJSON Feature (a WGS-84
point) or one CSV row per case of a scope (a cell and everything under it) and a period (filed
from `since` to before `until`).

The same privacy as the Open311 requests: nothing of who reported a case, anonymous or not (no
name, no member id, no chat id), and no photos but the display copy's address.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, GridCell, WaterSource
from services.grid import subtree_filter
from services.open311.mapping import CasePlaces, places_of, service_request, w3c
from services.settings import Settings

COLUMNS = (
    "service_request_id", "status", "status_notes", "state", "stage", "origin",
    "service_code", "service_name", "severity", "emergency", "description", "cell_code",
    "cell_name", "water_source", "zone", "requested_datetime", "updated_datetime",
    "expected_datetime", "closed_datetime", "lat", "long", "media_url",
)


@dataclass(frozen=True)
class FeedScope:
    cell: GridCell | None = None  # None: the whole grid
    since: datetime | None = None
    until: datetime | None = None


async def feed_cases(session: AsyncSession, scope: FeedScope) -> tuple[Sequence[Case], CasePlaces,
                                                                       dict[int, str]]:
    """The scope's cases, oldest first, what their rows need, and the names of their sources."""
    statement = select(Case).order_by(Case.created_at, Case.id)
    if scope.cell is not None:
        statement = statement.join(GridCell, GridCell.id == Case.cell_id).where(
            subtree_filter(scope.cell.path))
    if scope.since is not None:
        statement = statement.where(Case.created_at >= scope.since)
    if scope.until is not None:
        statement = statement.where(Case.created_at < scope.until)
    cases = list(await session.scalars(statement))
    source_ids = {c.water_source_id for c in cases if c.water_source_id is not None}
    sources = {s.id: s.name for s in await session.scalars(
        select(WaterSource).where(WaterSource.id.in_(source_ids)))} if source_ids else {}
    return cases, await places_of(session, cases), sources


def feed_rows(cases: Sequence[Case], places: CasePlaces, sources: dict[int, str],
              settings: Settings, media_base: str) -> list[dict[str, Any]]:
    tz = ZoneInfo(settings.locale.timezone)
    rows = []
    for case in cases:
        request = service_request(case, places, settings, media_base)
        cell = places.cells.get(case.cell_id)
        rows.append({
            **{key: request.get(key) for key in COLUMNS if key in request},
            "state": case.state, "stage": case.stage if case.is_open else None,
            "origin": case.source, "severity": case.severity, "emergency": case.emergency,
            "cell_code": cell.code if cell else None, "cell_name": cell.name if cell else None,
            "water_source": sources.get(case.water_source_id or 0), "zone": case.zone,
            "closed_datetime": w3c(case.closed_at, tz),
        })
    return [{key: row.get(key) for key in COLUMNS} for row in rows]


def to_geojson(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A FeatureCollection of points (RFC 7946: WGS-84, longitude first); a case with no point
    (none is known) is left out."""
    features = [{
        "type": "Feature",
        "id": row["service_request_id"],
        "geometry": {"type": "Point", "coordinates": [row["long"], row["lat"]]},
        "properties": {k: v for k, v in row.items() if k not in ("lat", "long")},
    } for row in rows if row["lat"] is not None and row["long"] is not None]
    return {"type": "FeatureCollection", "features": features}


def to_csv(rows: Sequence[dict[str, Any]]) -> str:
    """UTF-8 text with a header row (write it with a BOM for Excel: `utf-8-sig`)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue()
