"""Reading cases: the card with its history, lists for `/open` and `/mine`, and who may see what.

The rights that decide buttons live in `services.cases.rules`; this module loads what they
need (`load_scope`) so commands, cards and transitions all ask the same question.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    OPEN_STATES,
    Case,
    CaseEvent,
    GridCell,
    Member,
    Photo,
    PhotoKind,
    Role,
    WaterSource,
)
from services.cases.reporters import reporter_ids
from services.cases.rules import (
    CASE_STAFF,
    Action,
    RefusalReason,
    Scope,
    legal_actions,
    refusal_for,
    visible,
)
from services.grid import cell_chain
from services.reports import CasePlace, case_place


async def cell_path(session: AsyncSession, cell_id: int | None) -> str | None:
    if cell_id is None:
        return None
    cell = await session.get(GridCell, cell_id)
    return cell.path if cell is not None else None


async def fixer_id(session: AsyncSession, case_id: int) -> int | None:
    """Who claimed the latest fix (the checker must be someone else)."""
    return await session.scalar(
        select(CaseEvent.actor_id)
        .where(CaseEvent.case_id == case_id, CaseEvent.kind == "fix_claimed")
        .order_by(CaseEvent.id.desc())
        .limit(1)
    )


async def merged_case_ids(session: AsyncSession, case_id: int) -> list[int]:
    """Cases merged into this one (directly or through a chain of merges)."""
    found: list[int] = []
    frontier = [case_id]
    while frontier:
        rows = list(
            await session.scalars(select(Case.id).where(Case.merged_into_id.in_(frontier)))
        )
        rows = [r for r in rows if r not in found and r != case_id]
        found.extend(rows)
        frontier = rows
    return found


async def _photos_of(session: AsyncSession, case_ids: list[int]) -> list[Photo]:
    rows = await session.scalars(
        select(Photo).where(Photo.case_id.in_(case_ids)).order_by(Photo.id)
    )
    return list(rows)


async def case_photos(session: AsyncSession, case_id: int) -> list[Photo]:
    """Every photo of the case and of the cases merged into it (report, after, evidence), in
    the order they came."""
    return await _photos_of(session, [case_id, *await merged_case_ids(session, case_id)])


@dataclass(frozen=True)
class LastMove:
    """The latest of `kinds` on a case, and who made it: None for the system (an escalation);
    `by_anonymous_reporter` when the reporter chose to stay anonymous and made it."""

    kind: str
    actor_name: str | None
    by_anonymous_reporter: bool


async def last_move(session: AsyncSession, case_id: int, kinds: Sequence[str]) -> LastMove | None:
    row = (await session.execute(
        select(CaseEvent.kind, CaseEvent.actor_id, Member.display_name, Case.reporter_id,
               Case.anonymous)
        .join(Case, Case.id == CaseEvent.case_id)
        .outerjoin(Member, Member.id == CaseEvent.actor_id)
        .where(CaseEvent.case_id == case_id, CaseEvent.kind.in_(list(kinds)))
        .order_by(CaseEvent.id.desc()).limit(1))).first()
    if row is None:
        return None
    kind, actor_id, name, reporter_id, anonymous = row
    if actor_id is None or name is None:
        return LastMove(kind, None, False)
    return LastMove(kind, name, bool(anonymous) and actor_id == reporter_id)


async def load_scope(session: AsyncSession, case: Case, member: Member) -> Scope:
    """Everything the rights of `member` over `case` depend on."""
    leader_id = None
    if case.water_source_id is not None:
        leader_id = await session.scalar(
            select(WaterSource.leader_id).where(WaterSource.id == case.water_source_id)
        )
    return Scope(
        case_cell_path=await cell_path(session, case.cell_id) or "",
        actor_cell_path=await cell_path(session, member.cell_id),
        source_leader_id=leader_id,
        fixer_id=await fixer_id(session, case.id),
        reporter_ids=frozenset(await reporter_ids(session, case.id)),
    )


def can_see(member: Member, case: Case, scope: Scope) -> bool:
    """Members see their subtree (and their source); volunteers see their own cases only."""
    return visible(member, case, scope)


async def actions_for(session: AsyncSession, case: Case, member: Member) -> list[Action]:
    return legal_actions(case, member, await load_scope(session, case, member))


async def find_case_id(session: AsyncSession, ref: str) -> int | None:
    """A case by its number ('HZ-2026-000012'), or by its bare id ('12' or '#12')."""
    ref = ref.strip().lstrip("#")
    by_number = await session.scalar(select(Case.id).where(Case.number == ref))
    if by_number is not None:
        return by_number
    if ref.isdigit():
        return await session.scalar(select(Case.id).where(Case.id == int(ref)))
    return None


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    kind: str
    actor_name: str | None
    details: dict[str, Any]


@dataclass(frozen=True)
class CaseCard:
    """Everything a case card shows, already resolved to names."""

    id: int
    number: str
    state: str
    version: int
    category: str
    severity: str
    emergency: bool
    description: str
    place: CasePlace  # as accepted: a measured point, or a village chosen from the list
    cell_names: tuple[str, ...]
    cell_code: str
    water_source: str | None
    zone: str | None
    reporter_name: str | None  # None when anonymous or unknown
    anonymous: bool
    origin: str  # CaseSource: a report, or a problem from a list (self-inspection, assigned)
    issuer: str | None  # a listed problem's issuing body and its own number in the list
    issue_number: str | None
    created_at: datetime
    stage: str | None
    due_at: datetime | None
    escalation_level: int
    assignee_name: str | None
    plan_task: str | None
    plan_steps: str | None
    plan_owner: str | None
    plan_due: datetime | None
    merged_into_number: str | None
    merged_numbers: tuple[str, ...]
    photo_file_ids: tuple[str, ...]
    # Report photos with no id to send them by (files, which keep EXIF): sent as display copies.
    upload_photo_ids: tuple[int, ...]
    photo_ids: tuple[int, ...]  # every photo of the report, for a channel that takes no file ids
    history: tuple[HistoryEntry, ...]


async def case_card(session: AsyncSession, case_id: int) -> CaseCard | None:
    case = await session.get(Case, case_id, populate_existing=True)
    if case is None:
        return None
    chain = await cell_chain(session, case.cell_id)
    source = (
        await session.get(WaterSource, case.water_source_id) if case.water_source_id else None
    )
    reporter = await session.get(Member, case.reporter_id) if case.reporter_id else None
    assignee = await session.get(Member, case.assignee_id) if case.assignee_id else None
    merged_ids = await merged_case_ids(session, case.id)
    merged_numbers = tuple(
        await session.scalars(select(Case.number).where(Case.id.in_(merged_ids)).order_by(Case.id))
    )
    into = await session.get(Case, case.merged_into_id) if case.merged_into_id else None
    photos = await _photos_of(session, [case.id, *merged_ids])
    events = list(
        await session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
        )
    )
    actor_ids = {e.actor_id for e in events if e.actor_id is not None}
    names = {
        m.id: m.display_name
        for m in await session.scalars(select(Member).where(Member.id.in_(actor_ids)))
    }
    history = []
    for event in events:
        name = names.get(event.actor_id) if event.actor_id is not None else None
        if event.kind == "reported" and case.anonymous:
            name = None
        history.append(HistoryEntry(event.at, event.kind, name, dict(event.payload)))
    return CaseCard(
        id=case.id,
        number=case.number,
        state=case.state,
        version=case.version,
        category=case.category,
        severity=case.severity,
        emergency=case.emergency,
        description=case.description,
        place=await case_place(session, case),
        cell_names=tuple(c.name for c in chain),
        cell_code=chain[-1].code if chain else "",
        water_source=source.name if source else None,
        zone=case.zone,
        reporter_name=None if case.anonymous or reporter is None else reporter.display_name,
        anonymous=case.anonymous,
        origin=case.source,
        issuer=case.issuer,
        issue_number=case.issue_number,
        created_at=case.created_at,
        stage=case.stage,
        due_at=case.due_at,
        escalation_level=case.escalation_level,
        assignee_name=assignee.display_name if assignee else None,
        plan_task=case.plan_task,
        plan_steps=case.plan_steps,
        plan_owner=case.plan_owner,
        plan_due=case.plan_due,
        merged_into_number=into.number if into else None,
        merged_numbers=merged_numbers,
        photo_file_ids=tuple(
            p.platform_file_id
            for p in photos
            if p.platform_file_id and p.kind != PhotoKind.AFTER
        ),
        upload_photo_ids=tuple(
            p.id for p in photos if not p.platform_file_id and p.kind != PhotoKind.AFTER
        ),
        photo_ids=tuple(p.id for p in photos if p.kind != PhotoKind.AFTER),
        history=tuple(history),
    )


@dataclass(frozen=True)
class CaseLine:
    """One line of `/open` or `/mine`."""

    id: int
    number: str
    state: str
    category: str
    cell_name: str
    created_at: datetime
    due_at: datetime | None
    emergency: bool
    closed_at: datetime | None = None  # struck off, rejected or merged


def _lines(rows: Any) -> list[CaseLine]:
    return [
        CaseLine(c.id, c.number, c.state, c.category, name, c.created_at, c.due_at, c.emergency,
                 c.closed_at)
        for c, name in rows
    ]


async def open_cases(session: AsyncSession, member: Member, limit: int = 20) -> list[CaseLine]:
    """Open cases in the member's part of the grid, oldest first; a volunteer's own only."""
    query = (
        select(Case, GridCell.name)
        .join(GridCell, GridCell.id == Case.cell_id)
        .where(Case.state.in_([s.value for s in OPEN_STATES]))
    )
    if member.role in CASE_STAFF or member.role == Role.PATROLLER:
        own_path = await cell_path(session, member.cell_id)
        led = select(WaterSource.id).where(WaterSource.leader_id == member.id)
        if own_path is not None:
            query = query.where(
                or_(GridCell.path.startswith(own_path), Case.water_source_id.in_(led))
            )
        elif not member.sees_whole_grid:
            query = query.where(
                or_(Case.water_source_id.in_(led), Case.assignee_id == member.id)
            )
    else:
        query = query.where(Case.reporter_id == member.id)
    rows = await session.execute(query.order_by(Case.created_at, Case.id).limit(limit))
    return _lines(rows)


async def my_cases(session: AsyncSession, member: Member, limit: int = 20) -> list[CaseLine]:
    """Cases I reported or that are assigned to me, the newest first."""
    rows = await session.execute(
        select(Case, GridCell.name)
        .join(GridCell, GridCell.id == Case.cell_id)
        .where(or_(Case.reporter_id == member.id, Case.assignee_id == member.id))
        .order_by(Case.created_at.desc(), Case.id.desc())
        .limit(limit)
    )
    return _lines(rows)


async def refusal_of(
    session: AsyncSession, case_id: int, member: Member, action: Action
) -> tuple[Case | None, RefusalReason | None]:
    """Whether `member` may start `action` now (checked again when it is carried out)."""
    case = await session.get(Case, case_id, populate_existing=True)
    if case is None:
        return None, RefusalReason.NOT_FOUND
    return case, refusal_for(action, case, member, await load_scope(session, case, member))


async def get_case(session: AsyncSession, case_id: int) -> Case | None:
    return await session.get(Case, case_id, populate_existing=True)
