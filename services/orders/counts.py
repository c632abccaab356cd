"""How many orders a year brought, for a part of the grid: issued, answered (at least once),
accepted, and still open ("15 issued, 12 answered, 3 open")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, GridCell, OrderAnswer, OrderState, SupervisionOrder
from services.orders.rights import OPEN_ORDER_STATES


@dataclass(frozen=True)
class OrderCounts:
    year: int
    issued: int = 0
    answered: int = 0
    accepted: int = 0
    open: int = 0


def year_bounds(year: int, timezone: str) -> tuple[datetime, datetime]:
    """The local year [1 January, next 1 January) as aware times."""
    zone = ZoneInfo(timezone)
    return datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)


async def order_counts(
    session: AsyncSession, year: int, timezone: str, scope: GridCell | None = None,
    sources: frozenset[int] = frozenset(),
) -> OrderCounts:
    """The orders issued in the local `year` whose target lies in `scope`'s subtree (or whose
    case is on one of `sources`, a linked leader's), each once; no scope: the whole grid."""
    start, end = year_bounds(year, timezone)
    answered = (select(OrderAnswer.id).where(OrderAnswer.order_id == SupervisionOrder.id)
                .exists())
    stmt = (
        select(
            func.count(),
            func.count().filter(answered),
            func.count().filter(SupervisionOrder.state == OrderState.ACCEPTED),
            func.count().filter(SupervisionOrder.state.in_(OPEN_ORDER_STATES)),
        )
        .select_from(SupervisionOrder)
        .join(Case, Case.id == SupervisionOrder.case_id)
        .join(GridCell, GridCell.id == SupervisionOrder.target_cell_id)
        .where(SupervisionOrder.issued_at >= start, SupervisionOrder.issued_at < end)
    )
    if scope is not None:
        inside = GridCell.path.like(f"{scope.path}%")
        stmt = stmt.where(or_(inside, Case.water_source_id.in_(sorted(sources)))
                          if sources else inside)
    issued, answered_n, accepted, still_open = (await session.execute(stmt)).one()
    return OrderCounts(year, int(issued), int(answered_n), int(accepted), int(still_open))
