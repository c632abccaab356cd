"""A patrol's life: begun for a water source, fed points, ended by the patroller, by the end of
their live location, or (by the sweep) after a silence; judged by its level's rule at the end."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Checkpoint,
    GridCell,
    Level,
    Member,
    Patrol,
    PatrolCase,
    PatrolState,
    WaterSource,
)
from services.notices.kinds import PatrolEnded
from services.notices.queue import queue
from services.patrols.rules import Judgement, judge
from services.settings import PatrolSettings

ACTIVE = (PatrolState.WAITING, PatrolState.OPEN)


class EndReason:
    BUTTON = "button"  # the patroller pressed "end"
    STOPPED = "stopped"  # their live location stopped
    IDLE = "idle"  # no point for patrols.idle_close (the sweep)
    REPLACED = "replaced"  # they began another


async def sources_for(session: AsyncSession, member: Member) -> list[WaterSource]:
    """The water sources of the member's part of the grid (all of them for a member with none,
    or when none lies in it)."""
    rows = list((await session.scalars(select(WaterSource).order_by(WaterSource.name))).all())
    if member.cell_id is None:
        return rows
    cell = await session.get(GridCell, member.cell_id)
    if cell is None:
        return rows
    paths = {row.id: row.path for row in await session.execute(select(GridCell.id, GridCell.path))}
    mine = [s for s in rows if s.cell_id is not None and (
        paths.get(s.cell_id, "").startswith(cell.path) or cell.path.startswith(
            paths.get(s.cell_id, "~")))]
    return mine or rows


async def level_of(session: AsyncSession, source: WaterSource, member: Member) -> str:
    """The level whose rule judges a patrol: the source's cell's, else the patroller's."""
    for cell_id in (source.cell_id, member.cell_id):
        if cell_id is not None:
            cell = await session.get(GridCell, cell_id)
            if cell is not None:
                return cell.level
    return str(Level.VILLAGE)


async def active(session: AsyncSession, member_id: int) -> Patrol | None:
    return await session.scalar(
        select(Patrol).where(Patrol.member_id == member_id, Patrol.state.in_(ACTIVE))
        .order_by(Patrol.id.desc()).limit(1))


async def begin(session: AsyncSession, member: Member, source: WaterSource,
                settings: PatrolSettings, now: datetime) -> Patrol:
    """A new patrol waiting for its first point; one still active is ended first."""
    current = await active(session, member.id)
    if current is not None:
        await end(session, current, EndReason.REPLACED, settings, now)
    patrol = Patrol(member_id=member.id, source_id=source.id,
                    level=await level_of(session, source, member), state=PatrolState.WAITING,
                    passed=[])
    session.add(patrol)
    await session.flush()
    return patrol


async def checkpoints_of(session: AsyncSession, source_id: int) -> list[Checkpoint]:
    return list((await session.scalars(
        select(Checkpoint).where(Checkpoint.source_id == source_id)
        .order_by(Checkpoint.code))).all())


def minutes_of(patrol: Patrol) -> float:
    if patrol.started_at is None or patrol.last_point_at is None:
        return 0.0
    return (patrol.last_point_at - patrol.started_at).total_seconds() / 60


def judgement_of(patrol: Patrol, settings: PatrolSettings) -> Judgement:
    return judge(minutes_of(patrol), patrol.distance_m / 1000, len(patrol.passed),
                 settings.rule(patrol.level))


async def end(session: AsyncSession, patrol: Patrol, reason: str, settings: PatrolSettings,
              now: datetime) -> Judgement:
    """Close the patrol and give it its verdict (the caller commits)."""
    judgement = judgement_of(patrol, settings)
    patrol.state = PatrolState.CLOSED
    patrol.ended_at = patrol.last_point_at or now
    patrol.end_reason = reason
    patrol.verdict = str(judgement.verdict)
    patrol.reason = judgement.reason or None
    await session.flush()
    return judgement


async def close_stale(session: AsyncSession, settings: PatrolSettings,
                      now: datetime) -> list[tuple[Patrol, Judgement]]:
    """The sweep's part: every active patrol the server has heard nothing of for `idle_close`
    (or never begun) is ended."""
    before = now - settings.idle_close
    stale = list((await session.scalars(
        select(Patrol).where(Patrol.state == PatrolState.OPEN, Patrol.heard_at < before)
        .with_for_update(skip_locked=True))).all())
    stale += list((await session.scalars(
        select(Patrol).where(Patrol.state == PatrolState.WAITING, Patrol.created_at < before)
        .with_for_update(skip_locked=True))).all())
    ended = [(p, await end(session, p, EndReason.IDLE, settings, now)) for p in stale]
    for patrol, _ in ended:  # the patroller hears of it (a patrol never begun: no word)
        member = await session.get(Member, patrol.member_id)
        if patrol.points and member is not None:
            await queue(session, PatrolEnded(patrol.id), recipient=member,
                        dedupe_key=f"patrol_ended:{patrol.id}")
    return ended


async def last_point(session: AsyncSession, member_id: int) -> tuple[float, float, datetime] | None:
    """The last counted point of the member's patrol under way, if any."""
    patrol = await active(session, member_id)
    if patrol is None or patrol.last_lat is None or patrol.last_lon is None \
            or patrol.last_good_at is None:
        return None
    return patrol.last_lat, patrol.last_lon, patrol.last_good_at


async def link_case(session: AsyncSession, member_id: int, case_id: int) -> int | None:
    """A report filed during the member's patrol belongs to it; the patrol's id, if any."""
    patrol = await active(session, member_id)
    if patrol is None:
        return None
    session.add(PatrolCase(patrol_id=patrol.id, case_id=case_id))
    return patrol.id
