"""A problem from a list (交办清单, a self-inspection list) filed as a case: the same case as a
report, with no photo and no reporter. An open one is being rectified (整改) by its row's date,
chased by the sweep like any plan's deadline, and its cell's managers get the case card; one the
list says was already rectified comes in struck off (销号), told to nobody.

Nothing here commits: the caller's unit of work writes the whole list or none of it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, CaseEvent, CaseSource, CaseState, Severity, Stage, WaterSource, Zone
from services.deadlines import start_stage
from services.grid import cell_chain
from services.members import bindings_for_cells, private_recipients, queue_case_alert
from services.notices.kinds import CaseNew
from services.notices.queue import queue
from services.settings import Settings
from services.workflow.intake import case_number, recipients


@dataclass(frozen=True)
class ListedProblem:
    """One checked row of a list, its names resolved to ids."""

    origin: CaseSource  # SELF or ASSIGNED
    issuer: str  # "" when the list names none
    number: str
    cell_id: int
    water_source_id: int | None
    zone: str | None
    category: str
    description: str
    due: datetime  # the end of the row's local day
    measures: str = ""  # 整治措施
    owner: str = ""  # 责任人
    progress: str = ""  # 进展情况, as the list says it
    closed_at: datetime | None = None  # set: already rectified, struck off then


async def file_listed_problem(
    session: AsyncSession, problem: ListedProblem, settings: Settings, now: datetime,
    actor_id: int | None = None, source_file: str = "",
) -> Case:
    """The case of one listed problem, with its `imported` event (and `closed` when the list
    says it was rectified) and, open, the alerts a new case gets. The caller commits."""
    category = settings.category(problem.category)
    assert category is not None  # checked with the row
    severity = Severity(category.severity)
    if problem.zone == Zone.GRADE1:
        severity = severity.raised()
    closed = problem.closed_at is not None
    case = Case(
        number=f"pending-{secrets.token_hex(11)}",  # numbered once it has its id
        source=problem.origin,
        issuer=problem.issuer,
        issue_number=problem.number,
        reporter_id=None,
        category=category.code,
        severity=severity,
        emergency=False,  # a listed problem is known already; nobody is woken for it
        description=problem.description,
        origin_cell_id=problem.cell_id,
        cell_id=problem.cell_id,
        water_source_id=problem.water_source_id,
        zone=problem.zone,
        state=CaseState.CLOSED if closed else CaseState.RECTIFYING,
        plan_task=problem.measures or problem.description,
        plan_steps=problem.progress or None,
        plan_owner=problem.owner or None,
        plan_due=problem.due,
        closed_at=problem.closed_at,
        created_at=now,
        updated_at=now,
    )
    if not closed:
        start_stage(case, Stage.RECTIFY, settings, now, problem.due)
    session.add(case)
    await session.flush()
    year = now.astimezone(ZoneInfo(settings.locale.timezone)).year
    case.number = case_number(settings.cases.number_prefix, year, case.id)
    session.add(CaseEvent(
        case_id=case.id, actor_id=actor_id, kind="imported", at=now,
        payload={"origin": problem.origin.value, "issuer": problem.issuer,
                 "number": problem.number, "due": problem.due.isoformat(),
                 "file": source_file, "progress": problem.progress},
    ))
    if closed:
        session.add(CaseEvent(case_id=case.id, actor_id=actor_id, kind="closed", at=now,
                              payload={"listed": True, "closed_at": case.closed_at.isoformat()
                                       if case.closed_at else None}))
        await session.flush()
        return case
    chain = await cell_chain(session, problem.cell_id)
    source = (await session.get(WaterSource, problem.water_source_id)
              if problem.water_source_id else None)
    _cell, members = await recipients(session, chain, False, source)
    group_chats = await bindings_for_cells(session, [c.id for c in chain])
    for member in private_recipients(members, group_chats, settings):
        await queue(session, CaseNew(case.id), recipient=member,
                    dedupe_key=f"case_new:{case.id}:{member.id}")
    await queue_case_alert(session, case.id, group_chats)
    await session.flush()
    return case
