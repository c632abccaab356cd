"""An emergency (abnormal water, a spill: `emergency = true` in config.toml's categories)
reaches every level at once: every manager from the case's cell up to the city, the
supervisors of those cells (the city's), and the water source's linked leader. What the
reporter is told is read from the alerts actually queued, not assumed."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, GridCell, GroupBinding, Member, Outbox, Role, WaterSource
from services.grid import cell_chain


async def everyone_up_the_chain(
    session: AsyncSession, chain: list[GridCell], source: WaterSource | None
) -> list[Member]:
    """The active managers and supervisors of every cell of `chain` (the case's cell first,
    then up to the city), and the source's linked leader."""
    ids = [c.id for c in chain]
    rank = {cell_id: index for index, cell_id in enumerate(reversed(ids))}
    rows = list(await session.scalars(
        select(Member).where(Member.cell_id.in_(ids), Member.active.is_(True),
                             Member.role.in_([Role.MANAGER, Role.SUPERVISOR]))
        .order_by(Member.id)))
    found = sorted(rows, key=lambda m: (m.role != Role.MANAGER, rank[m.cell_id or 0]))
    if source is not None and source.leader_id is not None:
        leader = await session.get(Member, source.leader_id)
        if leader is not None and leader.active:
            found.append(leader)
    return list({m.id: m for m in found}.values())


@dataclass(frozen=True)
class Reached:
    """Who an emergency alert was queued for: the cells whose managers have it (privately or
    in their group chat), from the case's cell up; supervisors; the linked leader's source."""

    manager_cells: tuple[str, ...] = ()
    supervisors: int = 0
    leader_of: str | None = None
    people: int = 0
    groups: int = 0


def reached(
    chain: list[GridCell], alerted: list[Member], groups: list[GroupBinding],
    source: WaterSource | None,
) -> Reached:
    """`alerted`: the members a private alert was queued for; `groups`: the group chats."""
    covered = {m.cell_id for m in alerted if m.role == Role.MANAGER} | {
        b.cell_id for b in groups}
    cells = tuple(c.name for c in reversed(chain) if c.id in covered)
    leader = source is not None and any(m.id == source.leader_id for m in alerted)
    return Reached(
        manager_cells=cells,
        supervisors=sum(1 for m in alerted if m.role == Role.SUPERVISOR),
        leader_of=source.name if leader and source is not None else None,
        people=len(alerted),
        groups=len(groups),
    )


async def reached_for(session: AsyncSession, case: Case) -> Reached:
    """Who the first alerts of a case were queued for (not those of a later reroute)."""
    rows = (await session.execute(
        select(Outbox.kind, Outbox.recipient_id, Outbox.chat_id, Outbox.payload)
        .where(Outbox.case_id == case.id, Outbox.kind.in_(["case_new", "group_case"]))
    )).all()
    member_ids = [r.recipient_id for r in rows if r.kind == "case_new" and r.recipient_id
                  and not (r.payload or {}).get("rerouted")]
    chats = [r.chat_id for r in rows if r.kind == "group_case"
             and (r.payload or {}).get("tag", "new") == "new"]
    members = list(await session.scalars(select(Member).where(Member.id.in_(member_ids)))) \
        if member_ids else []
    groups = list(await session.scalars(
        select(GroupBinding).where(GroupBinding.chat_id.in_(chats)))) if chats else []
    source = await session.get(WaterSource, case.water_source_id) \
        if case.water_source_id else None
    return reached(await cell_chain(session, case.origin_cell_id), members, groups, source)
