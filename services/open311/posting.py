"""POST /requests: a request from a client system checked field by field, then filed through
the same intake as a report: routed by its point to the smallest cell, matched against the
open cases it may repeat, its first deadline set and the cell's managers told (the case-new
notice, and the group alert where a group is bound), all in the caller's unit of work.

A request that repeats an open case nearby is added to that case (an `evidence_added` event,
as a reporter who says "same problem" adds theirs) and answers with that case's number. The
contact fields of the spec (email, names, phone, device and account ids) are read and not
kept: the client system holds them, and the case stays as anonymous as a report made so.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Case,
    CaseEvent,
    CaseSource,
    CaseState,
    Open311Key,
    Severity,
    Stage,
    WaterSource,
    Zone,
)
from services.deadlines import start_stage
from services.grid import cell_by_code, cell_chain
from services.i18n import translator
from services.members import bindings_for_cells, private_recipients, queue_case_alert
from services.notices.kinds import CaseNew
from services.notices.queue import queue
from services.open311.errors import Open311Error
from services.reports import Locator, PlaceSource, find_duplicates
from services.settings import Settings
from services.workflow.intake import case_number, recipients


@dataclass(frozen=True)
class PostedRequest:
    """The fields of a POST this service keeps."""

    service_code: str
    lat: float | None  # None: placed by address_id
    lon: float | None
    description: str
    severity: Severity | None
    cell_code: str = ""  # address_id: a grid cell's code, as a village chosen from the list


@dataclass(frozen=True)
class Filed:
    number: str
    case_id: int
    new: bool  # False: added to the open case it repeats
    service_notice: str


def _coordinate(form: Mapping[str, str], key: str, bound: float) -> float:
    raw = form.get(key, "").strip()
    if not raw:
        raise Open311Error(400, f"{key} was not provided (a request is placed by lat and long, "
                                "or by address_id, a grid cell's code)")
    try:
        value = float(raw)
    except ValueError:
        raise Open311Error(400, f"{key} is not a number: {raw[:40]!r}") from None
    if not math.isfinite(value) or abs(value) > bound:
        raise Open311Error(400, f"{key} is out of range")
    return value


def read_post(form: Mapping[str, str], settings: Settings) -> PostedRequest:
    """The request a form holds, or Open311Error(400 or 404) naming the first bad field."""
    jurisdiction = form.get("jurisdiction_id", "").strip()
    if jurisdiction and jurisdiction != settings.open311.jurisdiction_id:
        raise Open311Error(404, f"jurisdiction_id {jurisdiction!r} was not found")
    code = form.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, "service_code was not provided")
    if settings.category(code) is None:
        raise Open311Error(404, f"service_code {code!r} was not found")
    cell_code = form.get("address_id", "").strip()
    lat = lon = None
    if not cell_code or form.get("lat", "").strip() or form.get("long", "").strip():
        lat = _coordinate(form, "lat", 90.0)
        lon = _coordinate(form, "long", 180.0)
        cell_code = ""
    description = form.get("description", "").strip()
    if len(description) > settings.cases.max_description:
        raise Open311Error(400, f"description is longer than {settings.cases.max_description} "
                                "characters")
    raw_severity = form.get("attribute[severity]", "").strip()
    severity = None
    if raw_severity:
        if raw_severity not in {s.value for s in Severity}:
            raise Open311Error(400, "attribute[severity] is not one of "
                                    + ", ".join(s.value for s in Severity))
        severity = Severity(raw_severity)
    return PostedRequest(code, lat, lon, description, severity, cell_code)


async def _place(session: AsyncSession, posted: PostedRequest, grid: Locator
                 ) -> tuple[int, int | None, str | None]:
    """Where a request lands: the smallest cell holding its point, or the cell its address_id
    names (no zone, no source: as a village chosen from the list)."""
    if posted.lat is None or posted.lon is None:
        cell = await cell_by_code(session, posted.cell_code)
        if cell is None:
            raise Open311Error(400, f"address_id {posted.cell_code!r} is not a grid cell")
        return cell.id, None, None
    place = grid.locate(posted.lat, posted.lon)
    if place.cell_id is None:
        raise Open311Error(400, "lat and long are outside every grid cell of this jurisdiction")
    return place.cell_id, place.source_id, place.zone


async def file_request(
    session: AsyncSession, posted: PostedRequest, client: Open311Key, settings: Settings,
    grid: Locator, now: datetime,
) -> Filed:
    """The case a request makes (or the open case it repeats). Open311Error(400) when its point
    is in no grid cell, or its address_id is no cell's code; nothing is written then. The
    caller commits."""
    cell_id, source_id, zone = await _place(session, posted, grid)
    category = settings.category(posted.service_code)
    assert category is not None  # checked by read_post
    t = translator(settings.locale.default)
    repeats = await find_duplicates(session, category.code, posted.lat, posted.lon, [], now,
                                    settings.cases, cell_id=cell_id)
    if repeats:
        first = repeats[0]
        session.add(CaseEvent(
            case_id=first.case_id, actor_id=None, kind="evidence_added", at=now,
            payload={"photo_ids": [], "description": posted.description, "lat": posted.lat,
                     "lon": posted.lon, "open311": client.name}))
        await session.flush()
        return Filed(first.number, first.case_id, False,
                     t("Added to the open request {number} nearby.", number=first.number))
    severity = posted.severity or Severity(category.severity)
    if zone == Zone.GRADE1:
        severity = severity.raised()
    origin = CaseSource(settings.open311.origin)
    case = Case(
        number=f"pending-{secrets.token_hex(11)}",
        source=origin,
        issuer=client.name if origin == CaseSource.ASSIGNED else None,
        reporter_id=None,
        anonymous=True,
        category=category.code,
        severity=severity,
        emergency=category.emergency,
        description=posted.description,
        lat=posted.lat,
        lon=posted.lon,
        place_source=PlaceSource.TYPED if posted.lat is not None else PlaceSource.MENU,
        origin_cell_id=cell_id,
        cell_id=cell_id,
        water_source_id=source_id,
        zone=zone,
        state=CaseState.SUBMITTED,
        created_at=now,
        updated_at=now,
    )
    start_stage(case, Stage.ACCEPT, settings, now)
    session.add(case)
    await session.flush()
    year = now.astimezone(ZoneInfo(settings.locale.timezone)).year
    case.number = case_number(settings.cases.number_prefix, year, case.id)
    session.add(CaseEvent(
        case_id=case.id, actor_id=None, kind="reported", at=now,
        payload={"photos": 0, "place_source": case.place_source, "severity": severity.value,
                 "zone": zone, "open311": client.name}))
    chain = await cell_chain(session, cell_id)
    source = await session.get(WaterSource, source_id) if source_id else None
    _cell, members = await recipients(session, chain, category.emergency, source)
    group_chats = await bindings_for_cells(session, [c.id for c in chain])
    for member in private_recipients(members, group_chats, settings):
        await queue(session, CaseNew(case.id), recipient=member,
                    dedupe_key=f"case_new:{case.id}:{member.id}")
    await queue_case_alert(session, case.id, group_chats)
    await session.flush()
    return Filed(case.number, case.id, True, "")
