"""Reminders of a missed patrol: on the last day of a source's rule period with no counting
patrol in it, and once on the day after it passed without one, the managers of the cell that
holds the source are told; once per source, period, stage and member however often the sweep
runs and across restarts (the outbox's dedupe key holds the period). Periods are fixed runs of
the rule's `every` days, counted from a Monday, so a week runs Monday to Sunday; none outside
the rule's months."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import GridCell, Member, Patrol, PatrolState, WaterSource
from services.grid import nearest_managers_of
from services.notices.kinds import PatrolDue
from services.notices.queue import outbox_row, queue_many, target
from services.patrols.rules import Verdict
from services.settings import Settings

EPOCH = date(1970, 1, 5)  # a Monday


def period_of(day: date, days: int) -> tuple[date, date]:
    """The first and last day of the period of `days` days that holds `day`."""
    start = EPOCH + timedelta(days=(day - EPOCH).days // days * days)
    return start, start + timedelta(days=days - 1)


@dataclass(frozen=True)
class _Wanted:
    source_id: int
    cell_id: int
    start: date
    end: date
    passed: bool


def _wanted(source_id: int, cell_id: int, days: int, months: tuple[int, ...],
            today: date) -> list[_Wanted]:
    found = []
    start, end = period_of(today, days)
    if today == end and end.month in months:
        found.append(_Wanted(source_id, cell_id, start, end, False))
    before, last = period_of(today - timedelta(days=1), days)
    if today == start and last.month in months:
        found.append(_Wanted(source_id, cell_id, before, last, True))
    return found


async def queue_patrol_reminders(session: AsyncSession, settings: Settings,
                                 now: datetime) -> int:
    """Queue the reminders due today; how many were new or already queued (the caller
    commits). One read of the sources, one of the counting patrols, two of the managers."""
    tz = ZoneInfo(settings.locale.timezone)
    today = now.astimezone(tz).date()
    wanted: list[_Wanted] = []
    for source_id, cell_id, level in (await session.execute(
            select(WaterSource.id, WaterSource.cell_id, GridCell.level)
            .join(GridCell, GridCell.id == WaterSource.cell_id)
            .order_by(WaterSource.id))).all():
        if cell_id is None:
            continue
        rule = settings.patrols.rule(level)
        wanted += _wanted(source_id, cell_id, max(rule.every.days, 1), rule.months, today)
    if not wanted:
        return 0

    def begins(day: date) -> datetime:
        return datetime.combine(day, time(), tz)

    since = begins(min(w.start for w in wanted))
    counted: dict[int, list[datetime]] = {}
    for source_id, started in await session.execute(
            select(Patrol.source_id, Patrol.started_at)
            .where(Patrol.state == PatrolState.CLOSED, Patrol.verdict == str(Verdict.COUNTS),
                   Patrol.source_id.in_(sorted({w.source_id for w in wanted})),
                   Patrol.started_at >= since)):
        if started is not None:
            counted.setdefault(source_id, []).append(started)
    missed = [w for w in wanted if not any(
        begins(w.start) <= at < begins(w.end + timedelta(days=1))
        for at in counted.get(w.source_id, []))]
    managers = await nearest_managers_of(session, {w.cell_id for w in missed})
    rows = []
    for w in missed:
        people: list[Member] = managers.get(w.cell_id, [])
        for member in people:
            stage = "passed" if w.passed else "last"
            key = f"patrol_due:{w.source_id}:{w.start.isoformat()}:{stage}:{member.id}"
            notice = PatrolDue(w.source_id, w.start.isoformat(), (w.end - w.start).days + 1,
                               w.passed)
            rows.append(outbox_row(notice, target(member), key, now))
    await queue_many(session, rows)
    return len(rows)
