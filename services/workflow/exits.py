"""The ways out of the main line: reject, reroute (not ours), merge (duplicate), reopen, and
the reporter's answer to "is it really fixed?" (no reopens and escalates one level)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, CaseEvent, CaseState, GridCell, PhotoKind, Stage
from services.cases import (
    Action,
    RefusalReason,
    WorkflowRefused,
    find_case_id,
    reporter_ids,
    reporters,
)
from services.grid import cell_chain, nearest_managers
from services.members import alert_new_groups
from services.notices.card_refresh import queue_card_refresh
from services.notices.kinds import CaseMerged, CaseNew, CaseNews, CaseRejected, CaseReopened
from services.notices.stakeholders import holders, others, owners
from services.orders import resolve_orders_for_case
from services.photos import PhotoFacts
from services.photos.rows import photo_row
from services.settings import Settings
from services.workflow.step import Outcome, TransitionRun, finish, required, run, transition


@transition
async def reject(
    session: AsyncSession,
    settings: Settings,
    case_id: int,
    actor_id: int,
    now: datetime,
    reason: str,
) -> Outcome:
    """Not a problem: closed as rejected, with the reason the reporters are told."""
    step = await run(session, settings, Action.REJECT, case_id, actor_id, now)
    why = required(reason)
    step.case.state = CaseState.REJECTED
    step.case.closed_at = now
    step.enter_stage(None)
    step.event("rejected", reason=why)
    await resolve_orders_for_case(session, step.case, now)
    told = await reporters(session, case_id)
    await step.notify(CaseRejected(step.case.id, reason=why), told)
    await step.notify(CaseNews(step.case.id, "rejected", by=step.actor.id, reason=why),
                      others(await owners(session, step.case, step.scope.fixer_id), told))
    await finish(step)
    return step.outcome("rejected")


@transition
async def reroute(
    session: AsyncSession,
    settings: Settings,
    case_id: int,
    actor_id: int,
    now: datetime,
    *,
    cell_code: str,
    reason: str,
) -> Outcome:
    """Not ours: the case goes to the right cell (by code) as a new, unaccepted case."""
    step = await run(session, settings, Action.REROUTE, case_id, actor_id, now)
    case = step.case
    why = required(reason)
    cell = await session.scalar(select(GridCell).where(GridCell.code == cell_code.strip()))
    if cell is None:
        raise WorkflowRefused(RefusalReason.UNKNOWN_CELL, code=cell_code)
    if cell.id == case.cell_id:
        raise WorkflowRefused(RefusalReason.SAME_CELL, code=cell_code)
    old = case.cell_id
    held = await holders(session, case)
    case.cell_id = cell.id
    case.assignee_id = None
    case.state = CaseState.SUBMITTED
    step.enter_stage(Stage.ACCEPT)
    step.event("rerouted", from_cell_id=old, to_cell_id=cell.id, to_cell=cell.name, reason=why)
    targets = await nearest_managers(session, cell.id)
    await step.notify(CaseNew(case.id, rerouted=True, reason=why), targets)
    await step.notify(CaseNews(case.id, "rerouted", by=step.actor.id, cell_id=cell.id,
                               reason=why), others(held, targets))
    await alert_new_groups(session, case, "rerouted")
    await finish(step)
    return step.outcome("rerouted")


@transition
async def merge(
    session: AsyncSession,
    settings: Settings,
    case_id: int,
    actor_id: int,
    now: datetime,
    *,
    into: str,
) -> Outcome:
    """A duplicate joins the case it repeats: its photos and reporters stay attached, and its
    reporters hear the outcome of the case it joined."""
    step = await run(session, settings, Action.MERGE, case_id, actor_id, now)
    case = step.case
    target_id = await find_case_id(session, into)
    if target_id is None:
        raise WorkflowRefused(RefusalReason.UNKNOWN_TARGET, target=into)
    target = await session.get(Case, target_id)
    while target is not None and target.merged_into_id is not None:
        target = await session.get(Case, target.merged_into_id)
    if target is None:
        raise WorkflowRefused(RefusalReason.UNKNOWN_TARGET, target=into)
    if target.id == case.id:
        raise WorkflowRefused(RefusalReason.MERGE_SELF)
    if not target.is_open:
        raise WorkflowRefused(RefusalReason.TARGET_CLOSED, target=target.number)
    to_tell = await reporters(session, case.id)
    held = await holders(session, case)
    case.state = CaseState.MERGED
    case.merged_into_id = target.id
    case.closed_at = now
    step.enter_stage(None)
    step.event("merged", into_id=target.id, into=target.number)
    await resolve_orders_for_case(session, case, now)  # the case it joined carries the chase
    session.add(
        CaseEvent(
            case_id=target.id,
            actor_id=step.actor.id,
            kind="merged_in",
            at=now,
            payload={"from_id": case.id, "from": case.number},
        )
    )
    target.updated_at = now
    await queue_card_refresh(session, target.id)  # its cards now list the duplicate
    await step.notify(CaseMerged(step.case.id, into_id=target.id), to_tell)
    await step.notify(CaseNews(step.case.id, "merged", by=step.actor.id, into_id=target.id),
                      others(held, to_tell))
    await finish(step)
    return step.outcome("merged")


@transition
async def reopen(
    session: AsyncSession,
    settings: Settings,
    case_id: int,
    actor_id: int,
    now: datetime,
    reason: str,
) -> Outcome:
    """A manager reopens a closed or rejected case: it needs a new plan."""
    step = await run(session, settings, Action.REOPEN, case_id, actor_id, now)
    why = required(reason)
    former = await owners(session, step.case, step.scope.fixer_id)  # they hear it came back
    _reopen(step)
    step.event("reopened", reason=why)
    managers = await nearest_managers(session, step.case.cell_id)
    await step.notify(CaseReopened(step.case.id, reason=why), [*managers, *former])
    await finish(step)
    return step.outcome("reopened")


def _reopen(step: TransitionRun) -> None:
    case = step.case
    case.state = CaseState.ACCEPTED
    case.closed_at = None
    case.assignee_id = None
    step.enter_stage(Stage.PLAN)


@transition
async def answer_fixed(
    session: AsyncSession,
    settings: Settings,
    case_id: int,
    actor_id: int,
    now: datetime,
    *,
    fixed: bool,
    note: str = "",
) -> Outcome:
    """The reporter's answer to "is it really fixed?". No reopens the case and escalates it one
    grid level, whose managers are alerted."""
    action = Action.CONFIRM if fixed else Action.NOT_FIXED
    step = await run(session, settings, action, case_id, actor_id, now)
    case = step.case
    last_close = await session.scalar(
        select(CaseEvent.id)
        .where(CaseEvent.case_id == case.id, CaseEvent.kind == "closed")
        .order_by(CaseEvent.id.desc())
        .limit(1)
    )
    answered = await session.scalar(
        select(CaseEvent.id).where(
            CaseEvent.case_id == case.id,
            CaseEvent.actor_id == actor_id,
            CaseEvent.kind.in_(["reporter_confirmed", "reporter_not_fixed"]),
            CaseEvent.id > (last_close or 0),
        )
    )
    if answered is not None:
        raise WorkflowRefused(RefusalReason.ANSWERED, number=case.number)
    if fixed:
        step.event("reporter_confirmed", note=note.strip())
        await finish(step)
        return step.outcome("reporter_confirmed")
    step.event("reporter_not_fixed", note=note.strip())
    held = [*await holders(session, case), *await owners(session, case, step.scope.fixer_id)]
    chain = await cell_chain(session, case.cell_id)
    from_cell = case.cell_id
    if len(chain) > 1:
        case.cell_id = chain[-2].id
        case.escalation_level += 1
    _reopen(step)
    step.event(
        "reopened",
        by_reporter=True,
        from_cell_id=from_cell,
        to_cell_id=case.cell_id,
        escalation_level=case.escalation_level,
    )
    raised_to = await nearest_managers(session, case.cell_id)
    await step.notify(CaseReopened(case.id, by_reporter=True, reason=note), raised_to)
    await step.notify(CaseNews(case.id, "raised", cell_id=case.cell_id), others(held, raised_to))
    await finish(step)
    return step.outcome("reopened")


async def add_evidence(
    session: AsyncSession,
    case_id: int,
    member_id: int,
    facts: PhotoFacts,
    stored_path: str,
    now: datetime,
    *,
    file_id: str | None = None,
    file_unique_id: str | None = None,
) -> int:
    """A reporter's photo of how it looks now (after "not fixed"): kept on the case (the
    caller commits)."""
    if member_id not in await reporter_ids(session, case_id):
        case = await session.get(Case, case_id)
        raise WorkflowRefused(RefusalReason.NOT_REPORTER,
                              number=case.number if case else str(case_id))
    photo = photo_row(
        facts, stored_path, now, kind=PhotoKind.EVIDENCE, uploaded_by_id=member_id,
        case_id=case_id, file_id=file_id, file_unique_id=file_unique_id,
    )
    session.add(photo)
    await session.flush()
    session.add(
        CaseEvent(
            case_id=case_id,
            actor_id=member_id,
            kind="evidence_added",
            at=now,
            payload={"photo_ids": [photo.id]},
        )
    )
    await session.flush()
    return photo.id
