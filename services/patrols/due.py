"""Whether each water source had the patrols its rule asks for: one counting patrol in the
rule's last `every` (a village cell's source: one a week from March to December), told per
cell of the grid for every source in its subtree, as the digest shows it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import GridCell, Patrol, PatrolState, WaterSource
from services.patrols.rules import Verdict
from services.settings import PatrolSettings


@dataclass(frozen=True)
class SourceDue:
    """A source's patrols that count within its rule's period (`days`), against one needed."""

    source: str
    done: int
    days: int

    @property
    def missing(self) -> bool:
        return self.done < 1


def _path_ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


async def patrols_due(session: AsyncSession, settings: PatrolSettings, now: datetime,
                      tz: ZoneInfo) -> dict[int, list[SourceDue]]:
    """cell id -> its subtree's sources whose rule is in season this month, with what they
    had: from one read of the sources and one of the counting patrols of the longest period."""
    month = now.astimezone(tz).month
    sources = (await session.execute(
        select(WaterSource.id, WaterSource.name, GridCell.level, GridCell.path)
        .join(GridCell, GridCell.id == WaterSource.cell_id)
        .order_by(WaterSource.name))).all()
    if not sources:
        return {}
    longest = max(rule.every for rule in settings.rules.values())
    done: dict[int, list[datetime]] = defaultdict(list)
    rows = await session.execute(
        select(Patrol.source_id, Patrol.started_at)
        .where(Patrol.state == PatrolState.CLOSED, Patrol.verdict == str(Verdict.COUNTS),
               Patrol.started_at >= now - longest))
    for source_id, started in rows:
        if started is not None:
            done[source_id].append(started)
    found: dict[int, list[SourceDue]] = defaultdict(list)
    for source_id, name, level, path in sources:
        rule = settings.rule(level)
        if month not in rule.months:
            continue
        since = now - rule.every
        line = SourceDue(name, sum(1 for at in done[source_id] if at >= since),
                         rule.every.days)
        for cell_id in _path_ids(path):
            found[cell_id].append(line)
    return dict(found)
