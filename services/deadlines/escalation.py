"""A missed deadline lifts its case one level: the sweep does a batch of them set-wise, so a
campaign's date passing (thousands due in one minute) costs a few statements per batch, not a
dozen per case.

For each case of the batch: the cell above takes it (the assignee is let go), it is coloured
and its stage starts again, an `escalated` event, the alert to the managers above (and the
source's leader at county and city), a copy to their group, the news to whoever held it and to
its reporters, an edit of each of its cards; at its second miss a supervision order. Lookups
are made once per batch (cells, managers, leaders, groups, reporters, cards), the writes are one
INSERT per table and one UPDATE of the cases (checked by version), in the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Table, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from models import Case, CaseEvent, GridCell, Member, Severity, Stage, WaterSource, utcnow
from services.audit import chain_rows
from services.cases import reporters_of
from services.deadlines.clock import LEADER_LEVELS, SweepReport, colour_of
from services.grid import nearest_managers_of
from services.members import bindings_for_cells, private_recipients
from services.notices.card_refresh import card_refreshes
from services.notices.kinds import CaseNews, Escalated, Notice, ReportNews
from services.notices.queue import Target, outbox_row, queue_many
from services.notices.stakeholders import others
from services.orders import issue_order
from services.settings import Settings

CASES: Table = Case.__table__  # type: ignore[assignment]
EVENTS: Table = CaseEvent.__table__  # type: ignore[assignment]
ORDER_AT_MISS = 2  # the second missed deadline of a case brings a supervision order


class Lifted(NamedTuple):
    """One case of the batch as it is lifted: where it was, where it goes, what it becomes."""

    case_id: int
    version: int
    stage: str
    from_cell: int
    to_cell: int
    moved: bool  # False at the top of the grid: it stays, coloured, with a new deadline
    level: int
    missed: int
    due_at: datetime
    alarm: datetime


def _lift(row: Any, cells: dict[int, Any], settings: Settings, now: datetime) -> Lifted:
    """The case's new place and clock, as `start_stage` would set them."""
    cell = cells[row.cell_id]
    moved = cell.parent_id is not None and cell.parent_id in cells
    stage = Stage(row.stage or Stage.ACCEPT)
    due = now + settings.deadlines.allowed(stage, Severity(row.severity))
    fractions = sorted(settings.deadlines.reminders_at)
    alarm = now + (due - now) * fractions[0] if fractions else due
    if alarm <= now:  # a zero-length deadline: look again next sweep
        alarm = now + timedelta(seconds=1)
    return Lifted(row.id, row.version, stage.value, cell.id,
                  cell.parent_id if moved else cell.id, moved, row.escalation_level + 1,
                  row.missed_deadlines + 1, due, alarm)


async def _cells(session: AsyncSession, cell_ids: set[int]) -> dict[int, Any]:
    """The batch's cells and the cells above them: id, parent and level."""
    cols = (GridCell.id, GridCell.parent_id, GridCell.level)
    found = {c.id: c for c in await session.execute(select(*cols).where(GridCell.id.in_(cell_ids)))}
    parents = {c.parent_id for c in found.values() if c.parent_id is not None} - found.keys()
    if parents:
        found.update((c.id, c) for c in await session.execute(
            select(*cols).where(GridCell.id.in_(parents))))
    return found


async def _holders(session: AsyncSession, rows: list[Any]) -> dict[int, list[Member]]:
    """case id -> who held it before the lift: its active assignee, else the nearest managers."""
    assignee_ids = {r.assignee_id for r in rows if r.assignee_id is not None}
    assignees = {m.id: m for m in await session.scalars(
        select(Member).where(Member.id.in_(assignee_ids), Member.active.is_(True)))
    } if assignee_ids else {}
    managers = await nearest_managers_of(
        session, {r.cell_id for r in rows if r.assignee_id not in assignees})
    return {r.id: [assignees[r.assignee_id]] if r.assignee_id in assignees
            else managers.get(r.cell_id, []) for r in rows}


async def _leaders(session: AsyncSession, source_ids: set[int]) -> dict[int, Member]:
    """water source id -> its linked leader, when there is one and they are active."""
    if not source_ids:
        return {}
    links = dict((await session.execute(
        select(WaterSource.id, WaterSource.leader_id)
        .where(WaterSource.id.in_(source_ids), WaterSource.leader_id.is_not(None)))).all())
    if not links:
        return {}
    people = {m.id: m for m in await session.scalars(
        select(Member).where(Member.id.in_(set(links.values())), Member.active.is_(True)))}
    return {source: people[leader] for source, leader in links.items() if leader in people}


def _told(notice: Notice, members: list[Member], stem: str, at: datetime) -> list[dict[str, Any]]:
    """`notice` to each member once, as `stakeholders.tell` queues it."""
    unique = dict((m.id, m) for m in members).values()
    return [outbox_row(notice, Target(m.platform, m.chat_id, m.id),
                       f"{notice.KIND}:{stem}:{m.id}"[:128], at) for m in unique]


async def escalate_batch(
    session: AsyncSession, settings: Settings, rows: list[Any], now: datetime,
    report: SweepReport,
) -> None:
    """Lift every case of `rows` (due rows of open cases past their deadline) one level; a
    case changed under the sweep raises StaleDataError (the caller rolls the batch back)."""
    if not rows:
        return
    extra = {r.id: r for r in await session.execute(
        select(Case.id, Case.severity, Case.water_source_id, Case.escalation_level,
               Case.missed_deadlines).where(Case.id.in_([r.id for r in rows])))}
    rows = [_Row._make((*r, *extra[r.id][1:])) for r in rows]
    cells = await _cells(session, {r.cell_id for r in rows})
    lifted = [_lift(r, cells, settings, now) for r in rows]
    targets = {x.to_cell for x in lifted}
    above = await nearest_managers_of(session, targets)
    groups = {b.cell_id: b for b in await bindings_for_cells(session, sorted(targets))}
    held = await _holders(session, [r for r, x in zip(rows, lifted, strict=True) if x.moved])
    leaders = await _leaders(session, {r.water_source_id for r, x in zip(rows, lifted, strict=True)
                                       if r.water_source_id is not None
                                       and cells[x.to_cell].level in LEADER_LEVELS})
    told_reporters = await reporters_of(session, [x.case_id for x in lifted if x.moved])
    at = utcnow()  # the sender's clock, not the sweep's `now` (which may be a trial time)
    notices: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for row, x in zip(rows, lifted, strict=True):
        events.append({"case_id": x.case_id, "actor_id": None, "kind": "escalated", "at": now,
                       "payload": {"stage": row.stage, "from_cell": x.from_cell,
                                   "to_cell": x.to_cell, "level": x.level,
                                   "colour": colour_of(x.level), "missed": x.missed}})
        recipients = list(above.get(x.to_cell, []))
        leader = leaders.get(row.water_source_id) if row.water_source_id is not None else None
        if leader is not None and cells[x.to_cell].level in LEADER_LEVELS \
                and all(m.id != leader.id for m in recipients):
            recipients.append(leader)
        group = [groups[x.to_cell]] if x.to_cell in groups else []
        escalated = Escalated(x.case_id, stage=row.stage, from_cell=x.from_cell,
                              to_cell=x.to_cell, level=x.level)
        stem = f"escalated:{x.case_id}:{x.missed}"
        notices.extend(outbox_row(escalated, Target(m.platform, m.chat_id, m.id),
                                  f"{stem}:{m.id}", at)
                       for m in private_recipients(recipients, group, settings))
        notices.extend(outbox_row(escalated, Target(b.platform, b.chat_id),
                                  f"group:{stem}:{b.id}"[:128], at) for b in group)
        if x.moved:  # whoever held it, and the reporters, hear where it went
            news = {"stage": row.stage, "cell_id": x.to_cell}
            notices += _told(CaseNews(x.case_id, "escalated", **news),
                             others(held[x.case_id], recipients), stem, at)
            notices += _told(ReportNews(x.case_id, "escalated", **news),
                             told_reporters.get(x.case_id, []), stem, at)
    notices.extend(outbox_row(notice, to, None, at)
                   for notice, to in await card_refreshes(session, [x.case_id for x in lifted]))
    await queue_many(session, notices)
    await chain_rows(session, events)  # each case's chain continues (services.audit)
    await session.execute(EVENTS.insert(), events)
    await _update(session, lifted, now)
    report.escalations += len(lifted)
    for x in lifted:
        if x.missed == ORDER_AT_MISS:
            case = await session.get(Case, x.case_id)
            assert case is not None
            await issue_order(session, settings, case, issuer=None, now=now)
            report.orders_issued += 1


class _Row(NamedTuple):
    """A due row (services.deadlines.batch.DUE_COLUMNS) with what a lift needs besides."""

    id: int
    state: str
    stage: str | None
    stage_started_at: datetime | None
    due_at: datetime | None
    reminders_sent: int
    assignee_id: int | None
    cell_id: int
    version: int
    severity: str
    water_source_id: int | None
    escalation_level: int
    missed_deadlines: int


async def _update(session: AsyncSession, lifted: list[Lifted], now: datetime) -> None:
    """Every lifted case in one UPDATE, each only if nobody changed it since it was read."""
    values: dict[bool, list[dict[str, Any]]] = {True: [], False: []}
    for x in lifted:
        values[x.moved].append({
            "b_id": x.case_id, "b_version": x.version, "b_cell": x.to_cell, "b_level": x.level,
            "b_missed": x.missed, "b_stage": x.stage, "b_due": x.due_at, "b_alarm": x.alarm})
    common = {"cell_id": bindparam("b_cell"), "escalation_level": bindparam("b_level"),
              "missed_deadlines": bindparam("b_missed"), "stage": bindparam("b_stage"),
              "stage_started_at": now, "due_at": bindparam("b_due"), "reminders_sent": 0,
              "next_alarm_at": bindparam("b_alarm"), "version": CASES.c.version + 1,
              "updated_at": now}
    where = (CASES.c.id == bindparam("b_id")) & (CASES.c.version == bindparam("b_version"))
    for batch, assignee in ((values[True], {"assignee_id": None}), (values[False], {})):
        if not batch:
            continue
        result: Any = await session.execute(
            CASES.update().where(where).values(**common, **assignee), batch)
        if session.get_bind().dialect.supports_sane_multi_rowcount \
                and result.rowcount != len(batch):
            raise StaleDataError("a due case changed during the sweep")
