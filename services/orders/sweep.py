"""Orders over time: resolved with their case, lifted one level when the target lets the
deadline pass (an answered order waits on its issuer, and does not climb meanwhile)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import OPEN_STATES, Case, CaseEvent, GridCell, OrderState, SupervisionOrder
from services.orders.issuing import notify_target
from services.orders.rights import CLIMBING_STATES, OPEN_ORDER_STATES


@dataclass
class OrdersSwept:
    escalated: int = 0
    resolved: int = 0


async def resolve_orders_for_case(session: AsyncSession, case: Case, now: datetime) -> int:
    """Close the open orders of a case that closed; the workflow calls it when closing."""
    orders = await session.scalars(
        select(SupervisionOrder).where(
            SupervisionOrder.case_id == case.id, SupervisionOrder.state.in_(OPEN_ORDER_STATES)
        )
    )
    count = 0
    for order in orders:
        order.state = OrderState.RESOLVED
        order.resolved_at = now
        count += 1
    return count


async def sweep_orders(session: AsyncSession, now: datetime) -> OrdersSwept:
    """Orders waiting on their target past the deadline: resolved if the case closed, else
    lifted one level (the new target acknowledges it again)."""
    done = OrdersSwept()
    stmt = (
        select(SupervisionOrder)
        .where(SupervisionOrder.state.in_(CLIMBING_STATES), SupervisionOrder.deadline <= now)
        .order_by(SupervisionOrder.deadline)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    for order in list(await session.scalars(stmt)):
        case = await session.get(Case, order.case_id)
        if case is None or case.state not in OPEN_STATES:
            order.state = OrderState.RESOLVED
            order.resolved_at = now
            done.resolved += 1
            continue
        target = await session.get(GridCell, order.target_cell_id)
        assert target is not None
        parent = await session.get(GridCell, target.parent_id) if target.parent_id else None
        new_target = parent or target
        span = order.deadline - order.issued_at
        order.target_cell_id = new_target.id
        order.escalation_level += 1
        order.state = OrderState.ISSUED
        order.deadline = now + span
        session.add(
            CaseEvent(
                case_id=case.id,
                kind="supervision_order_escalated",
                at=now,
                payload={"order_id": order.id, "number": order.number, "to_cell": new_target.id,
                         "level": order.escalation_level},
            )
        )
        await notify_target(session, order, case, new_target)
        done.escalated += 1
    return done
