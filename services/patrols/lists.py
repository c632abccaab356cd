"""The patrols one member may look over: a patroller's own, or, for grid staff, leaders and
supervisors, every patrol of the water sources in their part of the grid; latest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Member, Patrol, PatrolState, Role, WaterSource
from services.patrols.life import sources_for


@dataclass(frozen=True)
class Listed:
    patrol: Patrol
    patroller: str
    source: str


async def recent_patrols(session: AsyncSession, member: Member, since: datetime,
                         limit: int = 20) -> list[Listed]:
    """Closed patrols begun since `since` that `member` may see, newest first."""
    query = (select(Patrol, Member.display_name, WaterSource.name)
             .join(Member, Member.id == Patrol.member_id)
             .join(WaterSource, WaterSource.id == Patrol.source_id)
             .where(Patrol.state == PatrolState.CLOSED, Patrol.started_at >= since))
    if member.role_enum == Role.PATROLLER:
        query = query.where(Patrol.member_id == member.id)
    elif not member.sees_whole_grid:
        sources = [s.id for s in await sources_for(session, member)]
        query = query.where(Patrol.source_id.in_(sources))
    rows = await session.execute(query.order_by(Patrol.started_at.desc(), Patrol.id.desc())
                                 .limit(limit))
    return [Listed(patrol, name, source) for patrol, name, source in rows]
