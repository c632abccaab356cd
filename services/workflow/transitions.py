"""The case state machine: accept -> dispatch -> plan -> claim fix -> check -> close (受理 ->
派遣 -> 整改 -> 核查 -> 销号); reject, reroute, merge, reopen and the reporter's answer are in
`services.workflow.exits`.

Each transition loads the case, checks the actor's rights and the state (`services.cases.rules`)
before it writes anything, then changes the case, writes a CaseEvent, queues the notices it
causes and flushes; the caller's unit of work commits (`attempt`). A refused action raises
`WorkflowRefused` having written nothing; a lost race (the optimistic lock on Case.version)
raises `LostRace`, which `attempt` answers by running the unit of work again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, CaseState, GridCell, Member, Photo, PhotoKind, Role, Stage
from services.cases import Action, RefusalReason, WorkflowRefused, reporters
from services.grid import cell_chain, distance_m, managers_of, nearest_managers
from services.members import alert_new_groups
from services.notices.kinds import (
    CaseAccepted,
    CaseCheck,
    CaseClosed,
    CaseDispatched,
    CaseNews,
    CaseRectified,
    CaseSentBack,
    ReportNews,
)
from services.notices.stakeholders import others, owners
from services.orders import resolve_orders_for_case
from services.photos import PhotoFacts
from services.photos.rows import photo_row
from services.settings import Settings
from services.workflow.step import (
    Outcome,
    Plan,
    finish,
    required,
    run,
    transition,
)


@transition
async def accept(
    session: AsyncSession, settings: Settings, case_id: int, actor_id: int, now: datetime
) -> Outcome:
    """受理: the cell takes the case on; the planning clock starts and the reporter hears."""
    step = await run(session, settings, Action.ACCEPT, case_id, actor_id, now)
    step.case.state = CaseState.ACCEPTED
    step.enter_stage(Stage.PLAN)
    step.event("accepted")
    await step.notify(CaseAccepted(case_id), await reporters(session, case_id))
    await finish(step)
    return step.outcome("accepted")


@transition
async def dispatch(
    session: AsyncSession,
    settings: Settings,
    case_id: int,
    actor_id: int,
    now: datetime,
    *,
    cell_code: str | None = None,
    member_name: str | None = None,
    member_id: int | None = None,
) -> Outcome:
    """派遣: hand the case to a cell below the case's cell, or to a member inside it (picked,
    by id, or named)."""
    step = await run(session, settings, Action.DISPATCH, case_id, actor_id, now)
    case = step.case
    if cell_code:
        cell = await session.scalar(select(GridCell).where(GridCell.code == cell_code.strip()))
        if cell is None:
            raise WorkflowRefused(RefusalReason.UNKNOWN_CELL, code=cell_code)
        if cell.id == case.cell_id or not cell.path.startswith(step.scope.case_cell_path):
            raise WorkflowRefused(RefusalReason.CELL_NOT_BELOW, code=cell_code)
        case.cell_id = cell.id
        case.assignee_id = None
        targets = await nearest_managers(session, cell.id)
        details: dict[str, Any] = {"cell_id": cell.id, "cell": cell.name}
    else:
        name = required(member_name) if member_id is None else ""
        member = await session.scalar(
            select(Member)
            .join(GridCell, GridCell.id == Member.cell_id)
            .where(
                Member.id == member_id if member_id is not None else Member.display_name == name,
                Member.active.is_(True),
                GridCell.path.startswith(step.scope.case_cell_path),
            )
            .order_by(Member.id)
            .limit(1)
        )
        if member is None:
            raise WorkflowRefused(RefusalReason.UNKNOWN_MEMBER, name=name)
        case.assignee_id = member.id
        targets = [member]
        details = {"assignee_id": member.id, "assignee": member.display_name}
    case.state = CaseState.DISPATCHED
    step.enter_stage(Stage.PLAN)
    step.event("dispatched", **details)
    await step.notify(CaseDispatched(case.id), targets)
    to_cell = case.cell_id if cell_code else targets[0].cell_id
    await step.notify(ReportNews(case.id, "dispatched", cell_id=to_cell),
                      others(await reporters(session, case.id), targets))
    await alert_new_groups(session, case, "dispatched")
    await finish(step)
    return step.outcome("dispatched")


@transition
async def plan(
    session: AsyncSession,
    settings: Settings,
    case_id: int,
    actor_id: int,
    now: datetime,
    plan: Plan,
) -> Outcome:
    """一点一策: task, steps, responsible person and deadline; the rectify clock runs to it."""
    step = await run(session, settings, Action.PLAN, case_id, actor_id, now)
    fields = (plan.task.strip(), plan.steps.strip(), plan.owner.strip())
    if not all(fields):
        raise WorkflowRefused(RefusalReason.PLAN_INCOMPLETE)
    if plan.due <= now:
        raise WorkflowRefused(RefusalReason.DEADLINE_PAST)
    case = step.case
    case.plan_task, case.plan_steps, case.plan_owner = fields
    case.plan_due = plan.due
    case.state = CaseState.RECTIFYING
    if case.assignee_id is None:
        case.assignee_id = step.actor.id
    step.enter_stage(Stage.RECTIFY, plan.due)
    step.event(
        "planned", task=fields[0], steps=fields[1], owner=fields[2], due=plan.due.isoformat()
    )
    await finish(step)
    return step.outcome("planned")


@transition
async def claim_fix(
    session: AsyncSession,
    settings: Settings,
    case_id: int,
    actor_id: int,
    now: datetime,
    *,
    photo_ids: Sequence[int],
    location: tuple[float, float] | None = None,
    note: str = "",
) -> Outcome:
    """The fix is claimed with an after-photo; if the photo's GPS or the shared location is far
    from the case, the checker is warned. Reporters and checkers get the before/after picture."""
    step = await run(session, settings, Action.CLAIM_FIX, case_id, actor_id, now)
    case = step.case
    photos = list(
        await session.scalars(select(Photo).where(Photo.id.in_(list(photo_ids))))
    ) if photo_ids else []
    photos = [p for p in photos if p.case_id in (None, case.id)]
    if not photos:
        raise WorkflowRefused(RefusalReason.PHOTO_REQUIRED)
    points = [(p.exif_lat, p.exif_lon) for p in photos]
    if location is not None:
        points.append(location)
    # A village chosen from the list is no point to measure from: no distance is claimed.
    distances = [
        distance_m(case.lat, case.lon, lat, lon)
        for lat, lon in points
        if lat is not None and lon is not None and case.lat is not None and case.lon is not None
    ]
    farthest = max(distances) if distances else None
    far = farthest is not None and farthest > settings.cases.fix_distance_warning_m
    for photo in photos:
        photo.case_id = case.id
        photo.kind = PhotoKind.AFTER
    case.state = CaseState.RECTIFIED
    step.enter_stage(Stage.CHECK)
    event = step.event(
        "fix_claimed",
        photo_ids=[p.id for p in photos],
        location=list(location) if location else None,
        distance_m=round(farthest, 1) if farthest is not None else None,
        far=far,
        note=note.strip(),
    )
    await session.flush()
    payload: dict[str, Any] = {
        "event_id": event.id,
        "after_photo_id": photos[0].id,
        "distance_m": round(farthest, 1) if farthest is not None else None,
        "far": far,
    }
    await step.notify(CaseRectified(case.id, **payload), await reporters(session, case.id))
    await step.notify(CaseCheck(case.id, **payload), await checkers(session, case, step.actor.id))
    await finish(step)
    return step.outcome("fix_claimed", fix_distance_m=farthest, far_from_case=far)


async def checkers(session: AsyncSession, case: Case, fixer: int) -> list[Member]:
    """Who is asked to check a fix: the cell's other managers and patrollers, and the managers
    of the nearest level up that has some."""
    chain = await cell_chain(session, case.cell_id)
    here = await managers_of(session, case.cell_id, (Role.MANAGER, Role.PATROLLER))
    found = [m for m in here if m.id != fixer]
    for cell in reversed(chain[:-1]):
        above = await managers_of(session, cell.id)
        if above:
            found.extend(above)
            break
    return found


@transition
async def check(
    session: AsyncSession,
    settings: Settings,
    case_id: int,
    actor_id: int,
    now: datetime,
    note: str = "",
) -> Outcome:
    """核查: someone other than the fixer confirms the fix (on site or from the photos)."""
    step = await run(session, settings, Action.CHECK, case_id, actor_id, now)
    step.case.state = CaseState.CHECKED
    step.enter_stage(None)  # the check is done: nothing is chased until it is struck off
    step.event("checked", note=note.strip())
    await step.notify(CaseNews(step.case.id, "checked", by=step.actor.id),
                      await owners(session, step.case, step.scope.fixer_id))
    await finish(step)
    return step.outcome("checked")


@transition
async def send_back(
    session: AsyncSession,
    settings: Settings,
    case_id: int,
    actor_id: int,
    now: datetime,
    reason: str,
) -> Outcome:
    """The check failed: back to rectifying, with the reason, to whoever claimed the fix."""
    step = await run(session, settings, Action.SEND_BACK, case_id, actor_id, now)
    why = required(reason)
    case = step.case
    case.state = CaseState.RECTIFYING
    due = case.plan_due if case.plan_due is not None and case.plan_due > now else None
    step.enter_stage(Stage.RECTIFY, due)
    step.event("sent_back", reason=why)
    owners = [
        m
        for m in [
            await session.get(Member, i)
            for i in {step.scope.fixer_id, case.assignee_id}
            if i is not None
        ]
        if m is not None
    ]
    await step.notify(CaseSentBack(step.case.id, reason=why), owners)
    await finish(step)
    return step.outcome("sent_back")


@transition
async def close(
    session: AsyncSession, settings: Settings, case_id: int, actor_id: int, now: datetime
) -> Outcome:
    """销号: the case is struck off; every reporter hears and is asked "is it really fixed?"."""
    step = await run(session, settings, Action.CLOSE, case_id, actor_id, now)
    step.case.state = CaseState.CLOSED
    step.case.closed_at = now
    step.enter_stage(None)
    step.event("closed")
    await resolve_orders_for_case(session, step.case, now)  # a closed case is chased no more
    told = await reporters(session, case_id)
    await step.notify(CaseClosed(step.case.id), told)
    await step.notify(CaseNews(step.case.id, "closed", by=step.actor.id),
                      others(await owners(session, step.case, step.scope.fixer_id), told))
    await finish(step)
    return step.outcome("closed")


async def record_after_photo(
    session: AsyncSession,
    member_id: int,
    facts: PhotoFacts,
    stored_path: str,
    now: datetime,
    *,
    file_id: str | None = None,
    file_unique_id: str | None = None,
) -> int:
    """Keep a received after-photo (not yet tied to a case: `claim_fix` ties it; the caller
    commits)."""
    photo = photo_row(
        facts, stored_path, now, kind=PhotoKind.AFTER, uploaded_by_id=member_id,
        file_id=file_id, file_unique_id=file_unique_id,
    )
    session.add(photo)
    await session.flush()
    return photo.id
