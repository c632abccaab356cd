"""Supervision orders (督办单): the pressure put on slow cases (bulletins, 督查通报, are
services.bulletins).

An order names a case, a target cell, a demand and a deadline; the target must acknowledge it,
and an order still open at its deadline climbs one level, like a case does.
"""

from __future__ import annotations

import io
import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    OPEN_STATES,
    Case,
    CaseEvent,
    GridCell,
    Member,
    OrderState,
    Role,
    Severity,
    Stage,
    SupervisionOrder,
)
from services.deadlines.clock import (
    LEADER_LEVELS,
    ActionResult,
    SweepReport,
    contains,
    source_leader,
)
from services.grid import nearest_managers
from services.i18n import N_
from services.members import queue_copies as group_copies
from services.notices.kinds import OrderNotice
from services.notices.queue import queue
from services.settings import Settings

ISSUERS = frozenset({Role.SUPERVISOR, Role.LEADER, Role.ADMIN})
OPEN_ORDER_STATES = (OrderState.ISSUED, OrderState.ACKNOWLEDGED)
CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


def default_deadline(settings: Settings, case: Case, now: datetime) -> datetime:
    """An order gives the case's current stage its full configured time again."""
    stage = Stage(case.stage or Stage.RECTIFY)
    return now + settings.deadlines.allowed(stage, Severity(case.severity))


async def _notify_order(
    session: AsyncSession, order: SupervisionOrder, case: Case, target: GridCell
) -> None:
    recipients = list(await nearest_managers(session, target.id))
    if case.assignee_id is not None:
        assignee = await session.get(Member, case.assignee_id)
        if assignee is not None and assignee.active and assignee not in recipients:
            recipients.append(assignee)
    if target.level_enum in LEADER_LEVELS:
        leader = await source_leader(session, case)
        if leader is not None and leader not in recipients:
            recipients.append(leader)
    for member in recipients:
        await queue(
            session,
            OrderNotice(order.id, level=order.escalation_level),
            recipient=member,
            case_id=case.id,
            dedupe_key=f"order:{order.id}:{order.escalation_level}:{member.id}",
        )
    await group_copies(session, OrderNotice(order.id, level=order.escalation_level), [target.id],
                       case_id=case.id, dedupe=f"order:{order.id}:{order.escalation_level}")


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
    """Issue an order on `case` to its current cell (issuer None: issued by the system).

    An empty demand is shown as the standard one ("finish the current stage by the deadline").
    """
    tz = ZoneInfo(settings.locale.timezone)
    order = SupervisionOrder(
        number=f"tmp-{uuid.uuid4().hex[:24]}",
        case_id=case.id,
        issuer_id=issuer.id if issuer else None,
        automatic=issuer is None,
        target_cell_id=case.cell_id,
        demand=demand,
        deadline=deadline or default_deadline(settings, case, now),
        state=OrderState.ISSUED,
        issued_at=now,
    )
    session.add(order)
    await session.flush()
    # The id is unique without a race between two issuers; the year reads as people expect.
    order.number = f"DB-{now.astimezone(tz).year}-{order.id:04d}"
    session.add(
        CaseEvent(
            case_id=case.id,
            actor_id=order.issuer_id,
            kind="supervision_order",
            at=now,
            payload={"order_id": order.id, "number": order.number, "automatic": order.automatic},
        )
    )
    target = await session.get(GridCell, case.cell_id)
    assert target is not None
    await _notify_order(session, order, case, target)
    return order


async def may_issue(session: AsyncSession, member: Member, case: Case) -> bool:
    """Supervisors, leaders and admins whose cell holds the case, or the source's leader."""
    if member.role_enum not in ISSUERS or not member.active:
        return False
    if member.role_enum == Role.ADMIN or (
        member.cell_id is None and member.role == Role.SUPERVISOR
    ):
        return True
    leader = await source_leader(session, case)
    if leader is not None and leader.id == member.id:
        return True
    if member.cell_id is None:
        return False
    mine = await session.get(GridCell, member.cell_id)
    theirs = await session.get(GridCell, case.cell_id)
    return mine is not None and theirs is not None and contains(mine, theirs)


async def issue_order_by(
    session: AsyncSession, settings: Settings, case_id: int, member: Member, now: datetime,
    demand: str = "",
) -> ActionResult:
    """A supervisor's or leader's order from the case card, after checking their right to it."""
    case = await session.get(Case, case_id)
    if case is None:
        return ActionResult(False, N_("This case no longer exists."))
    if not case.is_open:
        return ActionResult(False, N_("This case is no longer open."), case)
    if not await may_issue(session, member, case):
        return ActionResult(
            False, N_("You may not issue a supervision order on this case."), case
        )
    await issue_order(session, settings, case, issuer=member, now=now, demand=demand)
    return ActionResult(True, case=case)


async def acknowledge_order(
    session: AsyncSession, order_id: int, member: Member, now: datetime
) -> ActionResult:
    """The target cell (a member there or above, or the case's assignee) acknowledges an order."""
    order = await session.get(SupervisionOrder, order_id)
    if order is None:
        return ActionResult(False, N_("This supervision order no longer exists."))
    case = await session.get(Case, order.case_id)
    if order.state != OrderState.ISSUED:
        return ActionResult(False, N_("This supervision order was already acknowledged."), case)
    target = await session.get(GridCell, order.target_cell_id)
    mine = await session.get(GridCell, member.cell_id) if member.cell_id is not None else None
    allowed = (case is not None and case.assignee_id == member.id) or (
        member.role_enum in {Role.MANAGER, Role.LEADER, Role.ADMIN}
        and mine is not None
        and target is not None
        and contains(mine, target)
    )
    if not allowed:
        return ActionResult(
            False, N_("Only the cell the order is addressed to can acknowledge it."), case
        )
    order.state = OrderState.ACKNOWLEDGED
    order.acknowledged_at = now
    order.acknowledged_by_id = member.id
    session.add(
        CaseEvent(
            case_id=order.case_id,
            actor_id=member.id,
            kind="supervision_order_acknowledged",
            at=now,
            payload={"order_id": order.id, "number": order.number},
        )
    )
    return ActionResult(True, case=case)


async def resolve_orders_for_case(session: AsyncSession, case: Case, now: datetime) -> int:
    """Close the open orders of a case that closed; the workflow may call it when closing."""
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


async def sweep_orders(
    session: AsyncSession, settings: Settings, now: datetime, report: SweepReport
) -> None:
    """Orders past their deadline: resolved if the case closed, else lifted one level."""
    stmt = (
        select(SupervisionOrder)
        .where(SupervisionOrder.state.in_(OPEN_ORDER_STATES), SupervisionOrder.deadline <= now)
        .order_by(SupervisionOrder.deadline)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    for order in list(await session.scalars(stmt)):
        case = await session.get(Case, order.case_id)
        if case is None or case.state not in OPEN_STATES:
            order.state = OrderState.RESOLVED
            order.resolved_at = now
            report.orders_resolved += 1
            continue
        target = await session.get(GridCell, order.target_cell_id)
        assert target is not None
        parent = await session.get(GridCell, target.parent_id) if target.parent_id else None
        new_target = parent or target
        span = order.deadline - order.issued_at
        order.target_cell_id = new_target.id
        order.escalation_level += 1
        order.state = OrderState.ISSUED  # the new target must acknowledge it again
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
        await _notify_order(session, order, case, new_target)
        report.orders_escalated += 1


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if CJK_FONT.exists():
        return ImageFont.truetype(str(CJK_FONT), size)
    return ImageFont.load_default(size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: object, width: int) -> list[str]:
    """Break text to fit `width` pixels, character by character (Chinese has no spaces)."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for char in paragraph:
            if draw.textlength(line + char, font=font) > width and line:  # type: ignore[arg-type]
                lines.append(line)
                line = ""
            line += char
        lines.append(line)
    return lines


def order_card_png(title: str, rows: list[tuple[str, str]], colour: str = "") -> bytes:
    """The order as an image card: a red-ruled title, then label/value rows (PNG bytes)."""
    width, margin = 900, 48
    title_font, label_font, body_font = _font(56), _font(28), _font(30)
    scratch = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    label_w = 220
    laid: list[tuple[str, list[str]]] = [
        (label, _wrap(scratch, value, body_font, width - 2 * margin - label_w))
        for label, value in rows
    ]
    height = 200 + sum(max(1, len(lines)) * 44 + 16 for _, lines in laid) + margin
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    accent = {"yellow": "#d4a000", "orange": "#e06000", "red": "#c00000"}.get(colour, "#c00000")
    draw.rectangle((8, 8, width - 9, height - 9), outline=accent, width=6)
    title_w = draw.textlength(title, font=title_font)
    draw.text(((width - title_w) / 2, 48), title, fill=accent, font=title_font)
    draw.line((margin, 140, width - margin, 140), fill=accent, width=4)
    y = 170
    for label, lines in laid:
        draw.text((margin, y + 2), label, fill="#555555", font=label_font)
        for line in lines or [""]:
            draw.text((margin + label_w, y), line, fill="black", font=body_font)
            y += 44
        y += 16
    buffer = io.BytesIO()
    img.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
