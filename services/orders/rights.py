"""Who may do what with a supervision order: issue (supervisors, leaders, admins over the case),
answer (the target cell, as for acknowledging), and the states an order passes through; with
what the deadlines share of it (a cell above another, the source's leader: services.deadlines
takes them from here, as services.orders may not import it)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, GridCell, Level, Member, OrderState, Role, WaterSource

LEADER_LEVELS = frozenset({Level.COUNTY, Level.CITY})  # where the source's leader is told too
ISSUERS = frozenset({Role.SUPERVISOR, Role.LEADER, Role.ADMIN})
ANSWERERS = frozenset({Role.MANAGER, Role.LEADER, Role.ADMIN})
# Not yet done: a closed case resolves them.
OPEN_ORDER_STATES = (OrderState.ISSUED, OrderState.ACKNOWLEDGED, OrderState.ANSWERED,
                     OrderState.RETURNED)
# Waiting on the target: these climb at their deadline (an answered one waits on the issuer).
CLIMBING_STATES = (OrderState.ISSUED, OrderState.ACKNOWLEDGED, OrderState.RETURNED)
ANSWERABLE_STATES = CLIMBING_STATES


@dataclass(frozen=True)
class OrderResult:
    """Done, or refused with a reason (an untranslated msgid); the case the order is on."""

    ok: bool
    reason: str = ""
    case: Case | None = None


def contains(outer: GridCell, inner: GridCell) -> bool:
    """Whether `outer` is `inner` or one of the cells above it (materialised paths)."""
    return inner.path.startswith(outer.path)


async def source_leader(session: AsyncSession, case: Case) -> Member | None:
    """The active leader linked to the case's water source, if any."""
    if case.water_source_id is None:
        return None
    leader_id = await session.scalar(
        select(WaterSource.leader_id).where(WaterSource.id == case.water_source_id))
    leader = await session.get(Member, leader_id) if leader_id is not None else None
    return leader if leader is not None and leader.active else None


async def may_issue(session: AsyncSession, member: Member, case: Case) -> bool:
    """Supervisors, leaders and admins whose cell holds the case, or the source's leader (they
    also accept or send back the answers)."""
    if member.role_enum not in ISSUERS or not member.active:
        return False
    if member.sees_whole_grid:
        return True
    leader = await source_leader(session, case)
    if leader is not None and leader.id == member.id:
        return True
    if member.cell_id is None:
        return False
    mine = await session.get(GridCell, member.cell_id)
    theirs = await session.get(GridCell, case.cell_id)
    return mine is not None and theirs is not None and contains(mine, theirs)


async def may_answer(session: AsyncSession, member: Member, case: Case | None,
                     target_cell_id: int) -> bool:
    """The case's assignee, or a manager (leader, admin) of the target cell or above it."""
    if not member.active:
        return False
    if case is not None and case.assignee_id == member.id:
        return True
    if member.role_enum not in ANSWERERS or member.cell_id is None:
        return False
    mine = await session.get(GridCell, member.cell_id)
    target = await session.get(GridCell, target_cell_id)
    return mine is not None and target is not None and contains(mine, target)
