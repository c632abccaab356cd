"""Supervision bulletins (督查通报): the overdue cases and the orders of a period (the orders
themselves, 督办单, are services.orders)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    OPEN_STATES,
    Case,
    GridCell,
    Member,
    OrderState,
    SupervisionOrder,
)


@dataclass(frozen=True)
class BulletinLine:
    case_number: str
    cell_id: int
    owner: str | None
    days_late: int
    order_number: str | None = None
    order_state: str | None = None


@dataclass
class Bulletin:
    """A 督查通报 for a period: overdue cases and the orders issued in it."""

    start: datetime
    end: datetime
    overdue: list[BulletinLine] = field(default_factory=list)
    orders: list[BulletinLine] = field(default_factory=list)


async def bulletin(
    session: AsyncSession, start: datetime, end: datetime, scope: GridCell | None = None,
    sources: frozenset[int] = frozenset(),
) -> Bulletin:
    """Open cases overdue at `end`, and orders issued in [start, end), within `scope`'s subtree
    and on the water sources `sources` wherever they lie (a linked leader's), each once."""
    result = Bulletin(start=start, end=end)
    overdue_q = (
        select(Case, Member.display_name)
        .join(GridCell, GridCell.id == Case.cell_id)
        .outerjoin(Member, Member.id == Case.assignee_id)
        .where(Case.state.in_(list(OPEN_STATES)), Case.due_at < end)
        .order_by(Case.due_at)
    )
    orders_q = (
        select(SupervisionOrder, Case)
        .join(Case, Case.id == SupervisionOrder.case_id)
        .join(GridCell, GridCell.id == SupervisionOrder.target_cell_id)
        .where(SupervisionOrder.issued_at >= start, SupervisionOrder.issued_at < end)
        .order_by(SupervisionOrder.issued_at)
    )
    if scope is not None:
        inside = GridCell.path.like(f"{scope.path}%")
        mine = or_(inside, Case.water_source_id.in_(sorted(sources))) if sources else inside
        overdue_q = overdue_q.where(mine)
        orders_q = orders_q.where(mine)
    for case, owner in (await session.execute(overdue_q)).all():
        assert case.due_at is not None
        result.overdue.append(
            BulletinLine(case.number, case.cell_id, owner, (end - case.due_at).days)
        )
    for order, case in (await session.execute(orders_q)).all():
        late = (end - order.deadline).days if order.state != OrderState.RESOLVED else 0
        result.orders.append(
            BulletinLine(case.number, order.target_cell_id, None, max(late, 0),
                         order.number, order.state)
        )
    return result
