"""The sweep's batches: due cases read as plain rows, planned from the row alone, and every
reminder of the batch written with three set-based statements (notices, events, case updates)
instead of per-case ORM; the escalations of the batch are `services.deadlines.escalation`'s.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Table, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from models import OPEN_STATES, Case, CaseEvent, Member, Role, utcnow
from services.audit import chain_rows
from services.grid import nearest_managers
from services.notices.kinds import Reminder
from services.notices.queue import Target, outbox_row, queue_many

CASES: Table = Case.__table__  # type: ignore[assignment]
EVENTS: Table = CaseEvent.__table__  # type: ignore[assignment]
DUE_COLUMNS = (
    Case.id, Case.state, Case.stage, Case.stage_started_at, Case.due_at, Case.reminders_sent,
    Case.assignee_id, Case.cell_id, Case.version,
)


class SweepStep(NamedTuple):
    """What the sweep does with one due row: remind (reminder `passed`), escalate, or only move
    the alarm (and clear it for a case that is no longer chased)."""

    row: Any
    action: str  # "remind" | "escalate" | "move"
    passed: int
    alarm: datetime | None


async def due_rows(session: AsyncSession, now: datetime, limit: int) -> list[Any]:
    """The next due rows by the indexed alarm; locked, skipping locked rows, on PostgreSQL."""
    stmt = (
        select(*DUE_COLUMNS).where(Case.next_alarm_at <= now)
        .order_by(Case.next_alarm_at).limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return [row for row in (await session.execute(stmt)).all()]


def plan_batch(row: Any, fractions: tuple[float, ...], now: datetime) -> SweepStep:
    """Decide from the row alone (the rules of `clock.schedule_alarm`); `fractions` are
    the reminder fractions in ascending order, as `Deadlines.reminders_at` keeps them."""
    _id, state, stage, started, due, sent, *_ = row
    if due is None or stage is None or state not in OPEN_STATES:
        return SweepStep(row, "move", sent, None)
    if now >= due:
        return SweepStep(row, "escalate", sent, None)
    start = started or due
    span = due - start
    passed = sent
    while passed < len(fractions) and start + span * fractions[passed] <= now:
        passed += 1
    alarm = start + span * fractions[passed] if passed < len(fractions) else due
    if alarm <= now:
        alarm = now + timedelta(seconds=1)
    return SweepStep(row, "remind" if passed > sent else "move", passed, alarm)


async def _recipients(session: AsyncSession, steps: list[SweepStep]) -> dict[int, list[Any]]:
    """case id -> members to remind: the active assignee, else the managers of the cell (or of
    the nearest cell above that has any), fetched for the whole batch at once."""
    cols = (Member.id, Member.platform, Member.chat_id, Member.cell_id)
    assignee_ids = {s.row.assignee_id for s in steps if s.row.assignee_id is not None}
    assignees = {m.id: m for m in await session.execute(
        select(*cols).where(Member.id.in_(assignee_ids), Member.active.is_(True)))
    } if assignee_ids else {}
    cells = {s.row.cell_id for s in steps if s.row.assignee_id not in assignees}
    managers: dict[int, list[Any]] = {}
    if cells:
        for m in await session.execute(
            select(*cols).where(Member.cell_id.in_(cells), Member.role == Role.MANAGER,
                                Member.active.is_(True)).order_by(Member.id)
        ):
            managers.setdefault(m.cell_id, []).append(m)
        for cell_id in cells - managers.keys():  # rare: a cell without managers
            managers[cell_id] = list(await nearest_managers(session, cell_id))
    return {
        s.row.id: [assignees[s.row.assignee_id]] if s.row.assignee_id in assignees
        else managers.get(s.row.cell_id, [])
        for s in steps
    }


async def apply_steps(session: AsyncSession, steps: list[SweepStep], now: datetime) -> int:
    """Write the reminders and alarm moves of a batch; returns the notices queued.

    A notice whose dedupe key exists is skipped by the database (ON CONFLICT DO NOTHING), so a
    reminder is never queued twice; a case changed under us raises StaleDataError.
    """
    reminding = [s for s in steps if s.action == "remind"]
    who = await _recipients(session, reminding) if reminding else {}
    queued_at = utcnow()  # the sender's clock, not the sweep's `now` (which may be a trial time)
    notices: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for s in reminding:
        row = s.row
        stamp = int(row.due_at.timestamp())
        for m in who[row.id]:
            notices.append(outbox_row(
                Reminder(row.id, stage=row.stage, n=s.passed), Target(m.platform, m.chat_id, m.id),
                f"reminder:{row.id}:{row.stage}:{s.passed}:{stamp}:{m.id}", queued_at))
        events.append({
            "case_id": row.id, "actor_id": None, "kind": "reminded", "at": now,
            "payload": {"stage": row.stage, "n": s.passed, "due_at": row.due_at.isoformat()},
        })
    await queue_many(session, notices)
    if events:
        await chain_rows(session, events)  # each case's chain continues
        await session.execute(EVENTS.insert(), events)
    moves = [{"b_id": s.row.id, "b_version": s.row.version, "b_sent": s.passed,
              "b_alarm": s.alarm} for s in steps if s.action != "escalate"]
    if moves:
        result: Any = await session.execute(
            CASES.update()
            .where(CASES.c.id == bindparam("b_id"), CASES.c.version == bindparam("b_version"))
            .values(reminders_sent=bindparam("b_sent"), next_alarm_at=bindparam("b_alarm"),
                    version=CASES.c.version + 1, updated_at=now),
            moves,
        )
        if session.get_bind().dialect.supports_sane_multi_rowcount and result.rowcount != len(
                moves):
            raise StaleDataError("a due case changed during the sweep")
    return len(notices)
