"""What the fortnightly meeting (每半月例会) goes over, for a part of the grid: the period's
figures, the red and overdue cases with their owners and days late, the campaigns' progress,
and the supervision orders still open. Plain data, loaded in one session, for the documents
to be built after it closed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased

from models import Case, GridCell, Member, SupervisionOrder
from services.campaigns import Progress, all_campaigns, load_progress
from services.deadlines import RED_LEVEL
from services.figures import (
    OPEN_STATE_VALUES,
    Figures,
    figure_sums,
    figures_of,
    in_window,
    window,
)
from services.grid import subtree_filter
from services.orders import OPEN_ORDER_STATES

PERIOD = timedelta(days=15)


@dataclass(frozen=True)
class LateCase:
    """A red or overdue case: who holds it and how late it is."""

    number: str
    cell: str
    category: str
    stage: str
    owner: str | None
    days_late: int  # 0: red, not yet past its deadline
    red: bool


@dataclass(frozen=True)
class OpenOrder:
    number: str
    case_number: str
    cell: str
    demand: str
    deadline: date  # local
    state: str
    days_late: int


@dataclass
class MeetingPack:
    scope_name: str  # "" for the whole grid
    as_of: date  # local
    since: date  # local, the period's first day
    totals: Figures
    late: list[LateCase] = field(default_factory=list)
    campaigns: list[Progress] = field(default_factory=list)
    orders: list[OpenOrder] = field(default_factory=list)


def _mine(scope: GridCell | None, sources: frozenset[int],
          cell_column: InstrumentedAttribute[int]) -> ColumnElement[bool] | None:
    """A case (by its cell column) in the scope's subtree or of one of `sources`, each once."""
    if scope is None:
        return None
    inside = cell_column.in_(select(GridCell.id).where(subtree_filter(scope.path)))
    return or_(inside, Case.water_source_id.in_(sorted(sources))) if sources else inside


async def load_meeting(session: AsyncSession, scope: GridCell | None, now: datetime,
                       tz: ZoneInfo, sources: frozenset[int] = frozenset()) -> MeetingPack:
    """The meeting's pack for `scope` (None: the whole grid) and a linked leader's `sources`."""
    w = window(now, tz, PERIOD)
    mine = _mine(scope, sources, Case.cell_id)
    totals_q = select(*figure_sums(w)).where(in_window(w))
    if mine is not None:
        totals_q = totals_q.where(mine)
    pack = MeetingPack(
        scope_name=scope.name if scope else "", as_of=now.astimezone(tz).date(),
        since=w.since.astimezone(tz).date(),
        totals=figures_of((await session.execute(totals_q)).one()))

    late_q = (
        select(Case, GridCell.name, Member.display_name)
        .join(GridCell, GridCell.id == Case.cell_id)
        .outerjoin(Member, Member.id == Case.assignee_id)
        .where(Case.state.in_(OPEN_STATE_VALUES),
               or_(Case.due_at < now, Case.escalation_level >= RED_LEVEL))
        .order_by(Case.due_at, Case.id)
    )
    if mine is not None:
        late_q = late_q.where(mine)
    for case, cell, owner in (await session.execute(late_q)).all():
        late = (now - case.due_at).days if case.due_at is not None and case.due_at < now else 0
        pack.late.append(LateCase(case.number, cell, case.category, case.stage or "", owner,
                                  late, case.escalation_level >= RED_LEVEL))

    target = aliased(GridCell)
    orders_q = (
        select(SupervisionOrder, Case.number, target.name)
        .join(Case, Case.id == SupervisionOrder.case_id)
        .join(target, target.id == SupervisionOrder.target_cell_id)
        .where(SupervisionOrder.state.in_(OPEN_ORDER_STATES))
        .order_by(SupervisionOrder.deadline, SupervisionOrder.id)
    )
    in_orders = _mine(scope, sources, SupervisionOrder.target_cell_id)
    if in_orders is not None:
        orders_q = orders_q.where(in_orders)
    for order, case_number, cell in (await session.execute(orders_q)).all():
        pack.orders.append(OpenOrder(
            order.number, case_number, cell, order.demand,
            order.deadline.astimezone(tz).date(), order.state,
            max((now - order.deadline).days, 0)))

    for campaign in await all_campaigns(session):
        progress = await load_progress(session, campaign, now, tz, scope)
        if progress.total.total:
            pack.campaigns.append(progress)
    return pack
