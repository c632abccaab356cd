"""Turn a finished draft into a case in one transaction: route it, set its first deadline,
write its first event and queue the managers' alerts; and ask services.reports.duplicates, before
that, what it may repeat.

Nothing here commits: the handler's unit of work commits once, so a failure leaves no half case.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Case,
    CaseEvent,
    CaseSource,
    CaseState,
    Draft,
    GridCell,
    Member,
    Photo,
    PhotoKind,
    Role,
    Severity,
    Stage,
    WaterSource,
    Zone,
)
from services.deadlines import start_stage
from services.grid import cell_chain, managers_by_cell
from services.members import bindings_for_cells, private_recipients, queue_case_alert
from services.notices.kinds import CaseNew
from services.notices.queue import queue
from services.patrols import link_case
from services.reports import (
    DraftError,
    Duplicate,
    Locator,
    PlaceSource,
    check_rate,
    discard_draft,
    draft_photos,
    find_duplicates,
    has_place,
    missing_answers,
)
from services.settings import CaseRules, Settings
from services.workflow.emergency import Reached, everyone_up_the_chain, reached


@dataclass(frozen=True)
class IntakeResult:
    case_id: int
    number: str
    cell_id: int
    cell_path: tuple[str, ...]  # names from the city down to the case's cell
    water_source: str | None
    zone: str | None
    severity: Severity
    emergency: bool
    photo_count: int
    notified_cell_id: int | None  # the cell whose managers got the alert (may be an ancestor)
    notified_member_ids: tuple[int, ...] = field(default=())
    reached: Reached = field(default=Reached())  # who the alerts were queued for


def case_number(prefix: str, year: int, case_id: int) -> str:
    return f"{prefix}-{year}-{case_id:06d}"


async def recipients(
    session: AsyncSession, chain: list[GridCell], emergency: bool, source: WaterSource | None
) -> tuple[int | None, list[Member]]:
    """Who hears of a new case: the cell's managers (or the nearest ancestor's that has some);
    for an emergency, also every level up to the city, its supervisors and the source's
    linked leader (services.workflow.emergency)."""
    by_cell = await managers_by_cell(session, [c.id for c in chain])
    chosen: list[Member] = []
    notified_cell: int | None = None
    for cell in reversed(chain):
        if by_cell.get(cell.id):
            chosen.extend(by_cell[cell.id])
            notified_cell = cell.id
            break
    if emergency:  # every manager up to the city, its supervisors, the source's leader
        chosen.extend(await everyone_up_the_chain(session, chain, source))
    unique: dict[int, Member] = {}
    for member in chosen:
        unique.setdefault(member.id, member)
    return notified_cell, list(unique.values())


def _route(draft: Draft, grid: Locator) -> tuple[int, int | None, str | None]:
    """(cell, water source, zone) of the draft's place. A village chosen from the list is the
    cell and says nothing of a zone; a point (kept only inside the chosen village, if any)
    lands in the smallest cell holding it. DraftError("outside_grid") when a kept point is no
    longer in the grid (the grid was changed meanwhile)."""
    extra_source = draft.extra.get("source_id")
    if draft.place_source == PlaceSource.MENU and draft.chosen_cell_id is not None:
        return draft.chosen_cell_id, int(extra_source) if extra_source else None, None
    if draft.lat is None or draft.lon is None:
        raise DraftError("incomplete", missing=["place"])
    place = grid.locate(draft.lat, draft.lon)
    if place.cell_id is None:
        raise DraftError("outside_grid")
    source_id = place.source_id or extra_source
    return (draft.chosen_cell_id or place.cell_id, int(source_id) if source_id else None,
            place.zone)


@dataclass(frozen=True)
class PlacePreview:
    cell_id: int | None  # None: no place yet
    cell_path: tuple[str, ...]
    water_source: str | None
    zone: str | None
    chosen: bool = False  # a village chosen from the list, not a point


async def preview_place(session: AsyncSession, draft: Draft, grid: Locator) -> PlacePreview:
    """Where the draft's place would land, for the summary (never raises)."""
    if not has_place(draft):
        return PlacePreview(None, (), None, None)
    try:
        cell_id, source_id, zone = _route(draft, grid)
    except DraftError:
        return PlacePreview(None, (), None, None)
    chain = await cell_chain(session, cell_id)
    source = await session.get(WaterSource, source_id) if source_id else None
    return PlacePreview(cell_id, tuple(c.name for c in chain), source.name if source else None,
                        zone, chosen=draft.place_source == PlaceSource.MENU)


async def duplicates_of(
    session: AsyncSession, draft: Draft, grid: Locator, now: datetime, rules: CaseRules
) -> list[Duplicate]:
    """Open cases the draft may repeat (services.reports.duplicates), by place and photos."""
    assert draft.category is not None
    try:
        cell_id: int | None = _route(draft, grid)[0]
    except DraftError:
        cell_id = None
    phashes = [p.phash for p in await draft_photos(session, draft.id)]
    return await find_duplicates(session, draft.category, draft.lat, draft.lon, phashes, now,
                                 rules, cell_id=cell_id)


async def submit_draft(
    session: AsyncSession, draft: Draft, settings: Settings, grid: Locator, now: datetime
) -> IntakeResult:
    """The draft becomes a case: number, cell, source and zone, first deadline, first event,
    the photos moved over, notices queued, and the draft dropped. The caller commits."""
    photos = await draft_photos(session, draft.id)
    missing = missing_answers(draft, len(photos))
    if missing:
        raise DraftError("incomplete", missing=[m.value for m in missing])
    category = settings.category(draft.category or "")
    if category is None:
        raise DraftError("incomplete", missing=["category"])
    await check_rate(session, draft.member_id, now, settings.cases)
    cell_id, source_id, zone = _route(draft, grid)
    severity = Severity(draft.severity or category.severity)
    if zone == Zone.GRADE1:
        severity = severity.raised()
    year = now.astimezone(ZoneInfo(settings.locale.timezone)).year
    chosen = draft.place_source == PlaceSource.MENU
    reporter = await session.get(Member, draft.member_id)
    # patrollers and grid staff report what they find on duty: self-inspection (自查上报)
    own = reporter is not None and reporter.role != Role.VOLUNTEER
    case = Case(
        number=f"pending-{draft.id}-{now.timestamp():.6f}",
        source=CaseSource.SELF if own else CaseSource.PUBLIC,
        reporter_id=draft.member_id,
        anonymous=draft.anonymous,
        category=category.code,
        severity=severity,
        emergency=category.emergency,
        description=draft.description or "",
        lat=None if chosen else draft.lat,
        lon=None if chosen else draft.lon,
        place_source=draft.place_source,
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
    case.number = case_number(settings.cases.number_prefix, year, case.id)
    await session.execute(
        update(Photo).where(Photo.draft_id == draft.id).values(case_id=case.id, draft_id=None)
    )
    session.add(
        CaseEvent(
            case_id=case.id,
            actor_id=draft.member_id,
            kind="reported",
            at=now,
            payload={
                "photos": len(photos),
                "place_source": draft.place_source,
                "severity": severity.value,
                "zone": zone,
            },
        )
    )
    chain = await cell_chain(session, cell_id)
    source = await session.get(WaterSource, source_id) if source_id else None
    notified_cell, members = await recipients(session, chain, category.emergency, source)
    group_chats = await bindings_for_cells(session, [c.id for c in chain])
    alerted = private_recipients(members, group_chats, settings)
    for member in alerted:
        await queue(
            session,
            CaseNew(case.id),
            recipient=member,
            dedupe_key=f"case_new:{case.id}:{member.id}",
        )
    await queue_case_alert(session, case.id, group_chats)
    await link_case(session, draft.member_id, case.id)  # filed on a patrol: part of it
    await discard_draft(session, draft)
    await session.flush()
    return IntakeResult(
        case_id=case.id,
        number=case.number,
        cell_id=cell_id,
        cell_path=tuple(c.name for c in chain),
        water_source=source.name if source else None,
        zone=zone,
        severity=severity,
        emergency=category.emergency,
        photo_count=len(photos),
        notified_cell_id=notified_cell,
        notified_member_ids=tuple(m.id for m in members),
        reached=reached(chain, alerted, group_chats, source),
    )


async def attach_to_case(
    session: AsyncSession, draft: Draft, case_id: int, now: datetime
) -> Case:
    """Add the draft's photos (and words) to an open case instead of filing a new one."""
    case = await session.get(Case, case_id)
    if case is None or not case.is_open:
        raise DraftError("case_closed")
    photos = await draft_photos(session, draft.id)
    await session.execute(
        update(Photo)
        .where(Photo.draft_id == draft.id)
        .values(case_id=case.id, draft_id=None, kind=PhotoKind.EVIDENCE)
    )
    session.add(
        CaseEvent(
            case_id=case.id,
            actor_id=draft.member_id,
            kind="evidence_added",
            at=now,
            payload={
                "photo_ids": [p.id for p in photos],
                "description": draft.description or "",
                "lat": draft.lat,
                "lon": draft.lon,
            },
        )
    )
    await discard_draft(session, draft)
    await session.flush()
    return case
