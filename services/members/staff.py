"""Administration from the chat, for grid offices without a shell: invites for a role in a cell
of one's subtree, the subtree's members page by page, and deactivating a member.

A manager administers their cell and everything below it; an administrator the whole grid.
A manager may not hand out the administrator role, nor act outside their subtree, nor
deactivate a manager of their own cell (a peer: that is for the level above) or an admin.
Nothing here commits: the caller owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import GridCell, Invite, Member, MemberEvent, Role, WaterSource
from services.grid import children
from services.members.membership import HandOver, create_invite, hand_over_open_cases
from services.members.rights import manages
from services.notices.kinds import MemberDeactivated
from services.notices.queue import queue

DEACTIVATED = MemberDeactivated.KIND  # the notice a deactivated member gets
INVITE_EXPIRY = timedelta(days=7)
# The roles one may invite to, in menu order (volunteers need no invite: /start makes one).
INVITABLE = (Role.PATROLLER, Role.MANAGER, Role.LEADER, Role.SUPERVISOR, Role.ADMIN)


class StaffProblem(StrEnum):
    NOT_STAFF = "not_staff"  # only managers and administrators administer
    ROLE = "role"  # a role this actor may not hand out
    OUTSIDE = "outside"  # a cell (or a member, or a water source) outside the actor's subtree
    UNKNOWN = "unknown"  # no such cell, member or water source
    SELF = "self"
    PEER = "peer"  # a manager of the actor's own cell, or an administrator
    ALREADY = "already"  # already deactivated


class StaffRefused(Exception):
    def __init__(self, problem: StaffProblem) -> None:
        super().__init__(f"refused: {problem.value}")
        self.problem = problem


def administers(member: Member | None) -> bool:
    """An active manager with a cell, or an active administrator."""
    if member is None or not member.active:
        return False
    return member.role == Role.ADMIN or (member.role == Role.MANAGER and member.cell_id is not None)


def invitable_roles(actor: Member) -> list[Role]:
    if not administers(actor):
        return []
    return [r for r in INVITABLE if r is not Role.ADMIN or actor.role == Role.ADMIN]


def _require(actor: Member) -> None:
    if not administers(actor):
        raise StaffRefused(StaffProblem.NOT_STAFF)


async def home_cells(session: AsyncSession, actor: Member) -> list[GridCell]:
    """Where the actor's part of the grid starts: their cell, or the top cells for an admin."""
    _require(actor)
    if actor.role == Role.ADMIN:
        rows = await session.scalars(
            select(GridCell).where(GridCell.parent_id.is_(None)).order_by(GridCell.code))
        return list(rows)
    cell = await session.get(GridCell, actor.cell_id)
    return [cell] if cell is not None else []


@dataclass(frozen=True)
class CellView:
    """One step of the cell picker: the cell, the cells below it, and the one above (when the
    actor may go there)."""

    cell: GridCell
    below: list[GridCell]
    above: GridCell | None


async def cell_view(session: AsyncSession, actor: Member, cell_id: int) -> CellView:
    cell = await _own_cell(session, actor, cell_id)
    above = await session.get(GridCell, cell.parent_id) if cell.parent_id else None
    return CellView(cell, await children(session, cell.id),
                    above if above is not None and manages(actor, above) else None)


async def _own_cell(session: AsyncSession, actor: Member, cell_id: int) -> GridCell:
    _require(actor)
    cell = await session.get(GridCell, cell_id)
    if cell is None:
        raise StaffRefused(StaffProblem.UNKNOWN)
    if not manages(actor, cell):
        raise StaffRefused(StaffProblem.OUTSIDE)
    return cell


async def sources_in(session: AsyncSession, actor: Member, cell_id: int | None = None
                     ) -> list[WaterSource]:
    """Water sources in the actor's subtree (or under `cell_id` within it), by code; an admin
    also sees sources that belong to no cell."""
    _require(actor)
    query = select(WaterSource).outerjoin(GridCell, GridCell.id == WaterSource.cell_id)
    under = await _own_cell(session, actor, cell_id) if cell_id is not None else (
        await session.get(GridCell, actor.cell_id) if actor.role != Role.ADMIN else None)
    if under is not None:
        query = query.where(GridCell.path.startswith(under.path))
    elif actor.role != Role.ADMIN:
        return []
    return list(await session.scalars(query.order_by(WaterSource.code)))


async def source_for(session: AsyncSession, actor: Member, source_id: int) -> WaterSource:
    """A water source the actor may make a poster of."""
    found = [s for s in await sources_in(session, actor) if s.id == source_id]
    if not found:
        raise StaffRefused(StaffProblem.OUTSIDE)
    return found[0]


async def issue_invite(
    session: AsyncSession,
    actor: Member,
    now: datetime,
    *,
    role: Role,
    cell_id: int,
    source_id: int | None = None,
    for_group: bool = False,
    expires: timedelta = INVITE_EXPIRY,
) -> Invite:
    """A single-use invite for `role` in a cell of the actor's subtree (a group invite binds a
    group to the cell), recorded as theirs."""
    cell = await _own_cell(session, actor, cell_id)
    if not for_group and role not in invitable_roles(actor):
        raise StaffRefused(StaffProblem.ROLE)
    source = None
    if source_id is not None:
        source = next((s for s in await sources_in(session, actor, cell.id) if s.id == source_id),
                      None)
        if source is None:
            raise StaffRefused(StaffProblem.OUTSIDE)
    return await create_invite(
        session, Role.VOLUNTEER.value if for_group else role.value, cell.code,
        source.code if source else None, expires, for_group, now=now, created_by=actor)


@dataclass(frozen=True)
class MemberPage:
    rows: list[tuple[Member, GridCell | None]]
    total: int
    page: int
    pages: int


async def subtree_members(session: AsyncSession, actor: Member, page: int = 0,
                          per_page: int = 8) -> MemberPage:
    """The members of the actor's part of the grid, by cell then registration, one page; an
    admin sees everyone (volunteers have no cell)."""
    _require(actor)
    query = select(Member, GridCell).outerjoin(GridCell, GridCell.id == Member.cell_id)
    counted = select(func.count(Member.id)).outerjoin(GridCell, GridCell.id == Member.cell_id)
    if actor.role != Role.ADMIN:
        top = await session.get(GridCell, actor.cell_id)
        if top is None:
            raise StaffRefused(StaffProblem.NOT_STAFF)
        query = query.where(GridCell.path.startswith(top.path))
        counted = counted.where(GridCell.path.startswith(top.path))
    total = int(await session.scalar(counted) or 0)
    pages = max(1, -(-total // per_page))
    page = min(max(page, 0), pages - 1)
    rows = await session.execute(
        query.order_by(GridCell.path.is_(None), GridCell.path, Member.id)
        .offset(page * per_page).limit(per_page))
    return MemberPage([(m, c) for m, c in rows], total, page, pages)


async def member_in_reach(session: AsyncSession, actor: Member, member_id: int
                          ) -> tuple[Member, GridCell | None]:
    """A member the actor may see in their list."""
    _require(actor)
    member = await session.get(Member, member_id)
    if member is None:
        raise StaffRefused(StaffProblem.UNKNOWN)
    cell = await session.get(GridCell, member.cell_id) if member.cell_id is not None else None
    if actor.role != Role.ADMIN and (cell is None or not manages(actor, cell)):
        raise StaffRefused(StaffProblem.OUTSIDE)
    return member, cell


def deactivation_problem(actor: Member, member: Member, cell: GridCell | None
                         ) -> StaffProblem | None:
    """Why the actor may not deactivate `member`, or None when they may."""
    if not administers(actor):
        return StaffProblem.NOT_STAFF
    if member.id == actor.id:
        return StaffProblem.SELF
    if member.deactivated_at is not None:
        return StaffProblem.ALREADY
    if actor.role == Role.ADMIN:
        return None
    if member.role == Role.ADMIN:
        return StaffProblem.PEER
    if cell is None or not manages(actor, cell):
        return StaffProblem.OUTSIDE
    if member.role == Role.MANAGER and member.cell_id == actor.cell_id:
        return StaffProblem.PEER
    return None


@dataclass(frozen=True)
class Deactivation:
    member: Member
    handed: list[HandOver]


async def deactivate_member(session: AsyncSession, actor: Member, member_id: int,
                            now: datetime) -> Deactivation:
    """The member can no longer use the bot (until a new invite): their open cases go to the
    other managers (services.members.hand_over_open_cases), a member event records who did it,
    and they are told. The caller commits."""
    member, cell = await member_in_reach(session, actor, member_id)
    problem = deactivation_problem(actor, member, cell)
    if problem is not None:
        raise StaffRefused(problem)
    member.active, member.deactivated_at = False, now
    handed = await hand_over_open_cases(session, member, now, actor_id=actor.id,
                                        reason="deactivated")
    session.add(MemberEvent(
        member_id=member.id, actor_id=actor.id, kind="deactivated", at=now,
        payload={"role": member.role, "cell_id": member.cell_id,
                 "cases": [h.case_id for h in handed]},
    ))
    # Queued by chat, not by recipient: the outbox holds back notices for inactive members.
    await queue(
        session, MemberDeactivated(member.id, actor_id=actor.id,
                                   cases=tuple(h.number for h in handed)),
        chat_id=member.chat_id,
        dedupe_key=f"{DEACTIVATED}:{member.id}:{int(now.timestamp())}",
    )
    await session.flush()
    return Deactivation(member, handed)
