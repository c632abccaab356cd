"""Deadlines that climb the grid: the sweep that reminds, escalates and issues supervision orders.

The database is the schedule: `case.next_alarm_at` (indexed) says when the sweep must look at a
case again, so there is no job per case and a restart loses nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from services.deadlines.batch import apply_steps, due_rows, plan_batch
from services.deadlines.clock import SweepReport
from services.deadlines.escalation import escalate_batch
from services.orders import sweep_orders
from services.settings import Settings

log = logging.getLogger(__name__)

BATCH_SIZE = 1000


async def sweep(
    sessions: Callable[[], AsyncSession], settings: Settings, now: datetime, *,
    batch_size: int = BATCH_SIZE,
) -> SweepReport:
    """Remind, escalate and issue orders for everything due at `now`: a job's body, with a
    unit of work of its own per batch, so a deadline day is never one long transaction.

    Reminders and escalations of a batch are written set-wise (`services.deadlines.batch`,
    `services.deadlines.escalation`), one commit per batch, so a kill mid-sweep leaves each case
    acted on once: its batch committed (the alarm moved past `now`) or not at all. On PostgreSQL
    two sweeps may run at once: rows locked by one are skipped by the other.
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
                await escalate_batch(session, settings,
                                     [s.row for s in steps if s.action == "escalate"], now, report)
                report.examined += len(steps)
                await session.commit()
            except StaleDataError:
                # A case changed under us (SQLite has no row locks); the next sweep looks again.
                await session.rollback()
                report.conflicts += 1
                log.warning("sweep: a case changed during the sweep; batch left for the next one")
                break
    async with sessions() as session:
        swept = await sweep_orders(session, now)
        await session.commit()
    report.orders_escalated += swept.escalated
    report.orders_resolved += swept.resolved
    return report
