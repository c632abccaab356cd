"""The ledger's patrol sheet (巡查): one row per closed patrol of the scope's water sources
begun in the ledger's period, loaded in one query and written with the ledger's cells."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Checkpoint, GridCell, Member, Patrol, PatrolState, WaterSource
from services.i18n import N_, Translator

VERDICTS = {"counts": N_("counts"), "too_short": N_("not enough: too short in time or length"),
            "too_few_checkpoints": N_("not enough: too few checkpoints")}
REASONS = {"time": N_("too little time"), "distance": N_("too short a distance"),
           "checkpoints": N_("too few checkpoints passed")}
PATROL_HEADERS = (N_("Patroller"), N_("Water source"), N_("Cell"), N_("Started"),
                  N_("Minutes"), N_("km"), N_("Checkpoints"), N_("Verdict"), N_("Reason"),
                  N_("Points kept"), N_("Points flagged"))


@dataclass(frozen=True)
class PatrolRow:
    patroller: str
    source: str
    cell: str
    started_at: datetime | None
    minutes: int
    km: float
    passed: int
    required: int
    verdict: str
    reason: str
    kept: int
    flagged: int

    def values(self, t: Translator) -> list[object]:
        verdict = t(VERDICTS[self.verdict]) if self.verdict in VERDICTS else self.verdict
        reason = t(REASONS[self.reason]) if self.reason in REASONS else self.reason
        return [self.patroller, self.source, self.cell, self.started_at, self.minutes,
                round(self.km, 2), f"{self.passed}/{self.required}", verdict, reason,
                self.kept, self.flagged]


async def patrol_rows(session: AsyncSession, scope: GridCell | None, since: datetime,
                      sources: frozenset[int] = frozenset()) -> list[PatrolRow]:
    """Closed patrols begun since `since` of the water sources in `scope` (None: all) or in
    `sources`, oldest first, in one query."""
    required = (select(func.count(Checkpoint.id)).where(Checkpoint.source_id == Patrol.source_id)
                .correlate(Patrol).scalar_subquery())
    query = (select(Patrol, Member.display_name, WaterSource.name, GridCell.name, required)
             .join(Member, Member.id == Patrol.member_id)
             .join(WaterSource, WaterSource.id == Patrol.source_id)
             .outerjoin(GridCell, GridCell.id == WaterSource.cell_id)
             .where(Patrol.state == PatrolState.CLOSED, Patrol.started_at >= since))
    if scope is not None:
        inside = GridCell.path.startswith(scope.path)
        query = query.where(or_(inside, Patrol.source_id.in_(sources)) if sources else inside)
    rows = await session.execute(query.order_by(Patrol.started_at, Patrol.id))
    out = []
    for patrol, patroller, source, cell, count in rows:
        end = patrol.ended_at or patrol.last_point_at
        minutes = (int((end - patrol.started_at).total_seconds() // 60)
                   if end is not None and patrol.started_at is not None else 0)
        out.append(PatrolRow(
            patroller=patroller or "", source=source, cell=cell or "",
            started_at=patrol.started_at, minutes=minutes, km=patrol.distance_m / 1000,
            passed=len(patrol.passed or []), required=int(count or 0),
            verdict=patrol.verdict or "", reason=patrol.reason or "",
            kept=patrol.points - patrol.flagged, flagged=patrol.flagged))
    return out


def write_patrol_sheet(ws: Any, cells: Any, rows: list[PatrolRow], t: Translator,
                       heading: str, serial: str) -> None:
    """Fill `ws` (write-only) with the title row, the translated header and one row per
    patrol; `cells` styles values as the ledger's other sheets do (text stays text)."""
    ws.append([cells.text(heading, "title")])
    ws.append(cells.header([serial, *(t(h) for h in PATROL_HEADERS)]))
    for number, row in enumerate(rows, 1):
        ws.append([cells.value(number), *(cells.value(v) for v in row.values(t))])
