"""Issuing a 督办单: its number (gap-free per local year, `documents.order_number`), a demand
(a preset or the issuer's own words) and a deadline (some days, or the stage's full time), the
first case event and the notices to the target cell."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Case,
    CaseEvent,
    GridCell,
    Member,
    OrderState,
    Severity,
    Stage,
    SupervisionOrder,
)
from services.grid import nearest_managers
from services.i18n import N_, translator
from services.members import kind_of
from services.members import queue_copies as group_copies
from services.notices.kinds import OrderNotice
from services.notices.queue import queue
from services.numbering import Series, format_number, next_number
from services.orders.rights import LEADER_LEVELS, OrderResult, may_issue, source_leader
from services.settings import Settings

# The demands a supervisor picks from (stored in locale.default: the demand is part of the
# numbered document, in the office's language, whoever reads it later).
DEMANDS: dict[str, str] = {
    "fix": N_("Rectify it fully by the deadline"),
    "report": N_("Find the cause and report on it in writing"),
    "clear": N_("Clear it away at once and patrol more often"),
}
DEADLINE_DAYS = (3, 7, 15, 30)  # and 0: the stage's full time, from today


def default_deadline(settings: Settings, case: Case, now: datetime) -> datetime:
    """An order gives the case's current stage its full configured time again."""
    stage = Stage(case.stage or Stage.RECTIFY)
    return now + settings.deadlines.allowed(stage, Severity(case.severity))


def preset_demand(settings: Settings, key: str) -> str | None:
    """A preset demand in the office's language, or None for an unknown key."""
    message = DEMANDS.get(key)
    return translator(settings.locale.default)(message) if message else None


async def notify_target(session: AsyncSession, order: SupervisionOrder, case: Case,
                        target: GridCell, step: str = "") -> None:
    """The order (or, with `step`, news of it) to the target cell's managers, the case's
    assignee, the source's leader (county, city) and the cell's group chat."""
    recipients = list(await nearest_managers(session, target.id))
    if case.assignee_id is not None:
        assignee = await session.get(Member, case.assignee_id)
        if assignee is not None and assignee.active and assignee not in recipients:
            recipients.append(assignee)
    if target.level_enum in LEADER_LEVELS:
        leader = await source_leader(session, case)
        if leader is not None and leader not in recipients:
            recipients.append(leader)
    notice = OrderNotice(order.id, level=order.escalation_level, step=step)
    key = f"order:{order.id}:{order.escalation_level}" + (f":{step}" if step else "")
    for member in recipients:
        await queue(session, notice, recipient=member, case_id=case.id,
                    dedupe_key=f"{key}:{member.id}")
    await group_copies(session, notice, [target.id], case_id=case.id, dedupe=key)


async def issue_order(
    session: AsyncSession,
    settings: Settings,
    case: Case,
    *,
    issuer: Member | None,
    now: datetime,
    demand: str = "",
    deadline: datetime | None = None,
) -> SupervisionOrder:
    """Issue an order on `case` to its current cell (issuer None: issued by the system), with
    the next number of the local year, taken in this transaction (a rollback gives it back).

    An empty demand is shown as the standard one ("finish the current stage by the deadline").
    """
    year = now.astimezone(ZoneInfo(settings.locale.timezone)).year
    n = await next_number(session, Series.ORDER, year)
    order = SupervisionOrder(
        number=format_number(settings.documents.order_number, year, n),
        case_id=case.id,
        issuer_id=issuer.id if issuer else None,
        automatic=issuer is None,
        kind=kind.value if (kind := kind_of(issuer)) else None,
        target_cell_id=case.cell_id,
        demand=demand,
        deadline=deadline or default_deadline(settings, case, now),
        state=OrderState.ISSUED,
        issued_at=now,
    )
    session.add(order)
    await session.flush()
    session.add(
        CaseEvent(
            case_id=case.id,
            actor_id=order.issuer_id,
            kind="supervision_order",
            at=now,
            payload={"order_id": order.id, "number": order.number, "automatic": order.automatic,
                     "note": order.number},
        )
    )
    target = await session.get(GridCell, case.cell_id)
    assert target is not None
    await notify_target(session, order, case, target)
    return order


async def issue_order_by(
    session: AsyncSession, settings: Settings, case_id: int, member: Member, now: datetime,
    demand: str = "", *, days: int | None = None,
) -> OrderResult:
    """A supervisor's or leader's order from the case card, after checking their right to it;
    `days` from now (None or 0: the stage's full time)."""
    case = await session.get(Case, case_id)
    if case is None:
        return OrderResult(False, N_("This case no longer exists."))
    if not case.is_open:
        return OrderResult(False, N_("This case is no longer open."), case)
    if not await may_issue(session, member, case):
        return OrderResult(
            False, N_("You may not issue a supervision order on this case."), case
        )
    deadline = now + timedelta(days=days) if days else None
    await issue_order(session, settings, case, issuer=member, now=now, demand=demand.strip(),
                      deadline=deadline)
    return OrderResult(True, case=case)
