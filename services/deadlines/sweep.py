"""Deadlines that climb the grid: the sweep that reminds, escalates and issues supervision orders.

The database is the schedule: `case.next_alarm_at` (indexed) says when the sweep must look at a
case again, so there is no job per case and a restart loses nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from models import Case, CaseEvent, GridCell, Stage
from services.cases import reporters
from services.deadlines.batch import apply_steps, due_rows, plan_batch
from services.deadlines.clock import (
    LEADER_LEVELS,
    SweepReport,
    colour_of,
    reminder_times,
    responsible_members,
    schedule_alarm,
    source_leader,
    start_stage,
)
from services.deadlines.supervision import issue_order, sweep_orders
from services.grid import nearest_managers
from services.members import bindings_for_cells, private_recipients
from services.members import queue_copies as group_copies
from services.notices.card_refresh import queue_card_refresh
from services.notices.kinds import CaseNews, Escalated, Reminder, ReportNews
from services.notices.queue import queue
from services.notices.stakeholders import others, tell
from services.settings import Settings

log = logging.getLogger(__name__)

BATCH_SIZE = 1000


def _stamp(moment: datetime) -> int:
    return int(moment.timestamp())


async def send_reminder(session: AsyncSession, case: Case, number: int, now: datetime) -> int:
    """Reminder `number` (1-based) of the current deadline, at most once per member and due."""
    assert case.due_at is not None
    sent = 0
    for member in await responsible_members(session, case):
        await queue(
            session,
            Reminder(case.id, stage=case.stage, n=number),
            recipient=member,
            dedupe_key=f"reminder:{case.id}:{case.stage}:{number}:{_stamp(case.due_at)}:{member.id}",
        )
        sent += 1
    session.add(
        CaseEvent(
            case_id=case.id,
            kind="reminded",
            at=now,
            payload={"stage": case.stage, "n": number, "due_at": case.due_at.isoformat()},
        )
    )
    return sent


async def escalate(
    session: AsyncSession, settings: Settings, case: Case, now: datetime, report: SweepReport
) -> None:
    """A missed deadline: lift the case one level, colour it, alert above, renew the deadline."""
    cell = await session.get(GridCell, case.cell_id)
    assert cell is not None
    parent = await session.get(GridCell, cell.parent_id) if cell.parent_id is not None else None
    target = parent or cell
    missed_stage = case.stage
    held = await responsible_members(session, case) if parent is not None else []
    case.cell_id = target.id
    if parent is not None:
        case.assignee_id = None  # the level above now holds the case until it hands it down
    case.escalation_level += 1
    case.missed_deadlines += 1
    colour = colour_of(case.escalation_level)
    session.add(
        CaseEvent(
            case_id=case.id,
            kind="escalated",
            at=now,
            payload={
                "stage": missed_stage,
                "from_cell": cell.id,
                "to_cell": target.id,
                "level": case.escalation_level,
                "colour": colour,
                "missed": case.missed_deadlines,
            },
        )
    )
    start_stage(case, Stage(missed_stage or Stage.ACCEPT), settings, now)
    recipients = list(await nearest_managers(session, target.id))
    if target.level_enum in LEADER_LEVELS:
        leader = await source_leader(session, case)
        if leader is not None and all(m.id != leader.id for m in recipients):
            recipients.append(leader)
    group_chats = await bindings_for_cells(session, [target.id])
    escalated = Escalated(case.id, stage=missed_stage, from_cell=cell.id, to_cell=target.id,
                          level=case.escalation_level)
    for member in private_recipients(recipients, group_chats, settings):
        await queue(
            session,
            escalated,
            recipient=member,
            dedupe_key=f"escalated:{case.id}:{case.missed_deadlines}:{member.id}",
        )
    await group_copies(session, escalated, [target.id],
                       dedupe=f"escalated:{case.id}:{case.missed_deadlines}")
    if parent is not None:  # whoever held it, and the reporters, hear where it went
        dedupe = f"escalated:{case.id}:{case.missed_deadlines}"
        await tell(session, CaseNews(case.id, "escalated", stage=missed_stage,
                                     cell_id=target.id), others(held, recipients), dedupe)
        await tell(session, ReportNews(case.id, "escalated", stage=missed_stage,
                                       cell_id=target.id),
                   await reporters(session, case.id), dedupe)
    await queue_card_refresh(session, case.id)
    report.escalations += 1
    if case.missed_deadlines == 2:
        await issue_order(session, settings, case, issuer=None, now=now)
        report.orders_issued += 1


async def process_case(
    session: AsyncSession, settings: Settings, case: Case, now: datetime, report: SweepReport
) -> None:
    """Whatever is due on one case at `now`, then its next alarm (always later than `now`)."""
    report.examined += 1
    if not case.is_open or case.stage is None or case.due_at is None:
        case.next_alarm_at = None
        return
    if now >= case.due_at:
        await escalate(session, settings, case, now, report)
    else:
        passed = sum(1 for moment in reminder_times(case, settings) if moment <= now)
        if passed > case.reminders_sent:
            report.reminders += await send_reminder(session, case, passed, now)
            case.reminders_sent = passed
    alarm = schedule_alarm(case, settings)
    if alarm is not None and alarm <= now:  # a zero-length deadline: look again next sweep
        alarm = now + timedelta(seconds=1)
    case.next_alarm_at = alarm


async def sweep(
    sessions: Callable[[], AsyncSession], settings: Settings, now: datetime, *,
    batch_size: int = BATCH_SIZE,
) -> SweepReport:
    """Remind, escalate and issue orders for everything due at `now`: a job's body, with a
    unit of work of its own per batch, so a deadline day is never one long transaction.

    Reminders of a batch are written set-based (`services.deadlines.batch`); escalations go
    case by case through the ORM. On PostgreSQL two sweeps may run at once: rows locked by one
    are skipped by the other, and a committed case has its alarm moved past `now`, so each case
    is acted on once.
    """
    report = SweepReport()
    fractions = tuple(sorted(settings.deadlines.reminders_at))
    while True:
        async with sessions() as session:
            rows = await due_rows(session, now, batch_size)
            if not rows:
                break
            steps = [plan_batch(row, fractions, now) for row in rows]
            try:
                report.reminders += await apply_steps(session, steps, now)
                report.examined += sum(1 for step in steps if step.action != "escalate")
                for step in steps:
                    if step.action == "escalate":
                        case = await session.get(Case, step.row.id)
                        assert case is not None
                        await process_case(session, settings, case, now, report)
                await session.commit()
            except StaleDataError:
                # A case changed under us (SQLite has no row locks); the next sweep looks again.
                await session.rollback()
                report.conflicts += 1
                log.warning("sweep: a case changed during the sweep; batch left for the next one")
                break
    async with sessions() as session:
        await sweep_orders(session, settings, now, report)
        await session.commit()
    return report
