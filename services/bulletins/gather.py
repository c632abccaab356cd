"""What a bulletin names, read from the cases: overdue at the end of the period, slow (open and
past 80% of their stage's time, or escalated to orange or red), reopened in the period, and the
supervision orders issued in it; within a scope's subtree and a linked leader's water sources
wherever they lie. Each case is named once, in the first of overdue, reopened, slow."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import OPEN_STATES, Case, CaseEvent, GridCell, Member, OrderState, SupervisionOrder
from models import WaterSource as Source

SLOW_SHARE = 0.8  # past this share of its stage's time, an open case is slow
SLOW_LEVEL = 2  # escalated this far (orange) or further, an open case is slow


@dataclass(frozen=True)
class FoundLine:
    case_number: str
    cell_id: int
    owner: str | None
    days_late: int
    order_number: str | None = None
    order_state: str | None = None
    case_id: int = 0
    place: str = ""


@dataclass
class Found:
    """What a 督查通报 of a period names: overdue, reopened and slow cases, the orders issued."""

    start: datetime
    end: datetime
    overdue: list[FoundLine] = field(default_factory=list)
    orders: list[FoundLine] = field(default_factory=list)
    reopened: list[FoundLine] = field(default_factory=list)
    slow: list[FoundLine] = field(default_factory=list)


def _mine(scope: GridCell | None, sources: frozenset[int]) -> ColumnElement[bool] | None:
    if scope is None:
        return None
    inside = GridCell.path.like(f"{scope.path}%")
    return or_(inside, Case.water_source_id.in_(sorted(sources))) if sources else inside


def _place(case: Case, source: str | None) -> str:
    point = f"{case.lat:.5f}, {case.lon:.5f}" if case.lat is not None and case.lon is not None \
        else ""
    return " ".join(part for part in (source or "", point) if part)


def _slow(case: Case, end: datetime) -> bool:
    if case.escalation_level >= SLOW_LEVEL:
        return True
    if case.due_at is None or case.stage_started_at is None:
        return False
    return case.stage_started_at + (case.due_at - case.stage_started_at) * SLOW_SHARE <= end


async def bulletin(
    session: AsyncSession, start: datetime, end: datetime, scope: GridCell | None = None,
    sources: frozenset[int] = frozenset(),
) -> Found:
    """The cases and orders of [start, end) within `scope`'s subtree (None: the whole grid) and
    on the water sources `sources` wherever they lie (a linked leader's), each case once."""
    result = Found(start=start, end=end)
    mine = _mine(scope, sources)
    cases_q = (
        select(Case, Member.display_name, Source.name)
        .join(GridCell, GridCell.id == Case.cell_id)
        .outerjoin(Member, Member.id == Case.assignee_id)
        .outerjoin(Source, Source.id == Case.water_source_id)
        .where(Case.state.in_(list(OPEN_STATES)), Case.due_at.is_not(None))
        .order_by(Case.due_at, Case.id)
    )
    reopened_q = (
        select(CaseEvent.case_id)
        .join(Case, Case.id == CaseEvent.case_id)
        .join(GridCell, GridCell.id == Case.cell_id)
        .where(CaseEvent.kind == "reopened", CaseEvent.at >= start, CaseEvent.at < end,
               Case.state.in_(list(OPEN_STATES)))
    )
    orders_q = (
        select(SupervisionOrder, Case)
        .join(Case, Case.id == SupervisionOrder.case_id)
        .join(GridCell, GridCell.id == SupervisionOrder.target_cell_id)
        .where(SupervisionOrder.issued_at >= start, SupervisionOrder.issued_at < end)
        .order_by(SupervisionOrder.issued_at)
    )
    if mine is not None:
        cases_q, reopened_q, orders_q = (
            cases_q.where(mine), reopened_q.where(mine), orders_q.where(mine))
    reopened = set(await session.scalars(reopened_q))
    for case, owner, source in (await session.execute(cases_q)).all():
        assert case.due_at is not None
        late = max((end - case.due_at).days, 0)
        line = FoundLine(case.number, case.cell_id, owner, late, case_id=case.id,
                            place=_place(case, source))
        if case.due_at < end:
            result.overdue.append(line)
        elif case.id in reopened:
            result.reopened.append(line)
        elif _slow(case, end):
            result.slow.append(line)
    for order, case in (await session.execute(orders_q)).all():
        late = (end - order.deadline).days if order.state != OrderState.RESOLVED else 0
        result.orders.append(
            FoundLine(case.number, order.target_cell_id, None, max(late, 0),
                         order.number, order.state, case_id=case.id)
        )
    return result
