"""Who reported a case: its reporter, the reporters of cases merged into it, and those who added
their photos to it at intake; they all hear its outcome. One case, or many in a few queries (the
sweep's batch)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, CaseEvent, Member


async def reporter_ids(session: AsyncSession, case_id: int) -> list[int]:
    """Everyone who reported this problem: the reporter, those of merged cases, and those who
    added their photos to it at intake. They all hear the outcome."""
    return (await reporter_ids_of(session, [case_id]))[case_id]


async def reporter_ids_of(session: AsyncSession, case_ids: list[int]) -> dict[int, list[int]]:
    """`reporter_ids` of many cases in a few queries (the sweep's batch): case id -> ids."""
    children: dict[int, list[int]] = {}  # case -> the cases merged straight into it
    seen, frontier = set(case_ids), list(case_ids)
    while frontier:
        rows = (await session.execute(select(Case.id, Case.merged_into_id)
                                      .where(Case.merged_into_id.in_(frontier)))).all()
        frontier = []
        for child, parent in rows:
            if parent is None:  # not so, by the query; for the type
                continue
            children.setdefault(parent, []).append(child)
            if child not in seen:
                seen.add(child)
                frontier.append(child)
    family: dict[int, set[int]] = {}  # the case and every case merged into it, at any depth
    for case_id in case_ids:
        members, stack = {case_id}, [case_id]
        while stack:
            for child in children.get(stack.pop(), []):
                if child not in members:
                    members.add(child)
                    stack.append(child)
        family[case_id] = members
    reported = dict((await session.execute(
        select(Case.id, Case.reporter_id).where(Case.id.in_(seen)))).all())
    added: dict[int, list[tuple[int, int | None]]] = {}  # case -> (event id, who), in order
    for event_id, cid, rid in await session.execute(
        select(CaseEvent.id, CaseEvent.case_id, CaseEvent.actor_id)
        .where(CaseEvent.case_id.in_(seen), CaseEvent.kind == "evidence_added")
        .order_by(CaseEvent.id)
    ):
        added.setdefault(cid, []).append((event_id, rid))
    found: dict[int, list[int]] = {}
    for case_id, members in family.items():
        ids: list[int] = []
        events = sorted(e for cid in members for e in added.get(cid, []))
        for rid in [*(reported.get(cid) for cid in sorted(members)), *(r for _, r in events)]:
            if rid is not None and rid not in ids:
                ids.append(rid)
        found[case_id] = ids
    return found


async def reporters(session: AsyncSession, case_id: int) -> list[Member]:
    return (await reporters_of(session, [case_id]))[case_id]


async def reporters_of(session: AsyncSession, case_ids: list[int]) -> dict[int, list[Member]]:
    """The active reporters of each case (`reporter_ids`), as members."""
    ids = await reporter_ids_of(session, case_ids)
    wanted = {i for found in ids.values() for i in found}
    rows = {
        m.id: m
        for m in await session.scalars(
            select(Member).where(Member.id.in_(wanted), Member.active.is_(True))
        )
    } if wanted else {}
    return {case_id: [rows[i] for i in found if i in rows] for case_id, found in ids.items()}
