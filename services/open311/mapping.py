"""Categories as GeoReport v2 services and cases as service requests: the spec's English field
names, human text (names, status_notes) in the configured default language.

What a request shows of a case: its number (service_request_id), open or closed, the state and
the stage being chased in status_notes, the category, the words, the owning cell (as
agency_responsible and address), the point and, for a report with photos, the display copy
(stamped, no EXIF) at media_url. Never who reported it: not a name, not an id, anonymous or not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import shapely
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, GridCell, Photo, PhotoKind, Severity
from services.cases import state_label
from services.deadlines import STAGE_LABELS
from services.i18n import N_, Translator, translator
from services.open311.errors import Open311Error
from services.settings import Category, Settings

SEVERITY_LABELS: dict[str, str] = {
    Severity.LOW: N_("low"),
    Severity.MEDIUM: N_("medium"),
    Severity.HIGH: N_("high"),
    Severity.URGENT: N_("urgent"),
}


def w3c(moment: datetime | None, tz: ZoneInfo) -> str | None:
    """A time as the spec writes it (W3C, with the offset), in the configured time zone."""
    return None if moment is None else moment.astimezone(tz).isoformat(timespec="seconds")


SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-08T00:00:00+08:00"  # when this server's answers last changed shape


def discovery(settings: Settings, url: str) -> dict[str, Any]:
    """Service discovery: where the endpoint is and that it speaks JSON as well as XML."""
    return {
        "changeset": CHANGESET,
        "contact": settings.documents.issuing_body,
        "key_service": "api_key: ask the office (gridpatrol open311 key create NAME)",
        "endpoints": [{"specification": SPECIFICATION, "url": url, "changeset": CHANGESET,
                       "type": "production", "formats": ["text/xml", "application/json"]}],
    }


def service(category: Category, settings: Settings) -> dict[str, Any]:
    language = settings.locale.default
    other = "en" if language.startswith("zh") else "zh_CN"
    return {
        "service_code": category.code,
        "service_name": category.name(language),
        "description": category.name(other),
        "metadata": True,
        "type": "realtime",
        "keywords": f"{category.zh_CN}, {category.en}",
        "group": "drinking_water_source",
    }


def services(settings: Settings) -> list[dict[str, Any]]:
    return [service(c, settings) for c in settings.categories]


def service_definition(code: str, settings: Settings) -> dict[str, Any]:
    """The attributes a request of this category may carry: its severity (the category's own
    when none is given; a grade-1 zone raises it, as for a report)."""
    category = settings.category(code)
    if category is None:
        raise Open311Error(404, f"service_code {code!r} was not found")
    t = translator(settings.locale.default)
    return {
        "service_code": category.code,
        "attributes": [{
            "variable": True,
            "code": "severity",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": t("How serious it is; the category's own when left out."),
            "order": 1,
            "description": t("Severity"),
            "values": [{"key": s.value, "name": t(SEVERITY_LABELS[s])} for s in Severity],
        }],
    }


def status_notes(case: Case, t: Translator) -> str:
    state = state_label(case.state, t)
    if case.is_open and case.stage:
        return t("{state}; now chased: {stage}", state=state,
                 stage=t(STAGE_LABELS.get(case.stage, case.stage)))
    return state


@dataclass(frozen=True)
class CasePlaces:
    """What the requests of some cases need from other tables, read in three queries."""

    cells: dict[int, GridCell]
    photos: dict[int, int]  # case id -> its first report photo's id

    def point(self, case: Case) -> tuple[float | None, float | None]:
        """The case's point, or (a village chosen from the list) a point inside its cell."""
        if case.lat is not None and case.lon is not None:
            return case.lat, case.lon
        cell = self.cells.get(case.cell_id)
        if cell is None:
            return None, None
        inside = shapely.from_wkt(cell.boundary_wkt).representative_point()
        return float(inside.y), float(inside.x)


async def places_of(session: AsyncSession, cases: Sequence[Case]) -> CasePlaces:
    if not cases:
        return CasePlaces({}, {})
    cells = {c.id: c for c in await session.scalars(
        select(GridCell).where(GridCell.id.in_({case.cell_id for case in cases})))}
    photos: dict[int, int] = {}
    rows = await session.execute(
        select(Photo.case_id, Photo.id)
        .where(Photo.case_id.in_([c.id for c in cases]), Photo.kind == PhotoKind.REPORT)
        .order_by(Photo.id))
    for case_id, photo_id in rows:
        if case_id is not None:
            photos.setdefault(case_id, photo_id)
    return CasePlaces(cells, photos)


def service_request(case: Case, places: CasePlaces, settings: Settings,
                    media_base: str) -> dict[str, Any]:
    tz = ZoneInfo(settings.locale.timezone)
    t = translator(settings.locale.default)
    category = settings.category(case.category)
    cell = places.cells.get(case.cell_id)
    lat, lon = places.point(case)
    photo = places.photos.get(case.id)
    return {
        "service_request_id": case.number,
        "status": "open" if case.is_open else "closed",
        "status_notes": status_notes(case, t),
        "service_name": category.name(settings.locale.default) if category else case.category,
        "service_code": case.category,
        "description": case.description,
        "agency_responsible": cell.name if cell else None,
        "service_notice": None,
        "requested_datetime": w3c(case.created_at, tz),
        "updated_datetime": w3c(case.updated_at, tz),
        "expected_datetime": w3c(case.due_at, tz) if case.is_open else None,
        "address": cell.name if cell else None,
        "address_id": cell.code if cell else None,
        "zipcode": None,
        "lat": lat,
        "long": lon,
        "media_url": f"{media_base}/media/{photo}.jpg" if photo is not None else None,
    }
