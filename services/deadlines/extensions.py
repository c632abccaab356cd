"""What the level above does with a slow case: more time or not, take it over, hand it down.

The responsible member asks for an extension with a reason; a member of a cell above decides.
Every decision moves the deadline columns through `services.deadlines` and leaves a CaseEvent.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Case,
    CaseEvent,
    CaseState,
    ExtensionRequest,
    ExtensionState,
    GridCell,
    Member,
    Role,
    Stage,
)
from services.cases import chased, fixer_id
from services.deadlines.clock import (
    ActionResult,
    contains,
    reminder_times,
    schedule_alarm,
    source_leader,
    start_stage,
)
from services.grid import nearest_managers, path_ids
from services.i18n import N_
from services.notices.kinds import CaseNews, ExtensionDecided, ExtensionRequested, HandedDown
from services.notices.queue import queue
from services.notices.stakeholders import holders, others, tell
from services.settings import Settings

DECIDERS = frozenset({Role.MANAGER, Role.LEADER, Role.SUPERVISOR, Role.ADMIN})
HOLDERS = frozenset({Role.MANAGER, Role.LEADER, Role.ADMIN})
MAX_REASON = 500


async def _cells(
    session: AsyncSession, member: Member, case: Case
) -> tuple[GridCell | None, GridCell]:
    mine = await session.get(GridCell, member.cell_id) if member.cell_id is not None else None
    theirs = await session.get(GridCell, case.cell_id)
    assert theirs is not None
    return mine, theirs


async def is_responsible(session: AsyncSession, member: Member, case: Case) -> bool:
    """The assignee, or (with no assignee) a manager of the case's own cell; the check's
    deadline is the checkers': a manager of the cell or above who did not claim the fix."""
    if case.state == CaseState.RECTIFIED:
        if member.role != Role.MANAGER or member.id == await fixer_id(session, case.id):
            return False
        mine, theirs = await _cells(session, member, case)
        return mine is not None and contains(mine, theirs)
    if case.assignee_id is not None:
        return case.assignee_id == member.id
    return member.role == Role.MANAGER and member.cell_id == case.cell_id


async def is_above(session: AsyncSession, member: Member, case: Case) -> bool:
    """A member of a cell strictly above the case's cell, the source's leader, or an admin."""
    if not member.active or member.role_enum not in DECIDERS:
        return False
    if member.role_enum == Role.ADMIN:
        return True
    leader = await source_leader(session, case)
    if leader is not None and leader.id == member.id:
        return True
    mine, theirs = await _cells(session, member, case)
    return mine is not None and mine.id != theirs.id and contains(mine, theirs)


async def request_extension(
    session: AsyncSession,
    settings: Settings,
    case_id: int,
    member: Member,
    reason: str,
    requested_due: datetime,
    now: datetime,
) -> ActionResult:
    """Ask the level above for a later deadline on the current stage; they are notified."""
    case = await session.get(Case, case_id)
    if case is None:
        return ActionResult(False, N_("This case no longer exists."))
    if not case.is_open or case.due_at is None or not chased(case.state, case.stage):
        return ActionResult(False, N_("This case has no deadline to extend."), case)
    if not await is_responsible(session, member, case):
        return ActionResult(
            False, N_("Only the member responsible for the case can ask for more time."), case
        )
    reason = reason.strip()[:MAX_REASON]
    if not reason:
        return ActionResult(False, N_("An extension needs a reason."), case)
    if requested_due <= case.due_at:
        return ActionResult(
            False, N_("The new deadline must be later than the current one."), case
        )
    pending = await session.scalar(
        select(ExtensionRequest.id).where(
            ExtensionRequest.case_id == case.id, ExtensionRequest.state == ExtensionState.PENDING
        )
    )
    if pending is not None:
        return ActionResult(
            False, N_("An extension for this case is already waiting for a decision."), case
        )
    request = ExtensionRequest(
        case_id=case.id, requester_id=member.id, stage=case.stage, reason=reason,
        current_due=case.due_at, requested_due=requested_due, created_at=now,
    )
    session.add(request)
    await session.flush()
    session.add(CaseEvent(
        case_id=case.id, actor_id=member.id, kind="extension_requested", at=now,
        payload={"request_id": request.id, "reason": reason,
                 "requested_due": requested_due.isoformat()},
    ))
    cell = await session.get(GridCell, case.cell_id)
    assert cell is not None
    approvers = await nearest_managers(session, cell.parent_id)
    leader = await source_leader(session, case)
    if leader is not None and leader not in approvers:
        approvers.append(leader)
    for approver in approvers:
        await queue(
            session, ExtensionRequested(request.id), recipient=approver, case_id=case.id,
            dedupe_key=f"extreq:{request.id}:{approver.id}",
        )
    return ActionResult(True, case=case)


async def decide_extension(
    session: AsyncSession,
    settings: Settings,
    request_id: int,
    member: Member,
    approve: bool,
    now: datetime,
) -> ActionResult:
    """Approve (the deadline moves, reminders re-planned) or refuse; the requester hears."""
    request = await session.get(ExtensionRequest, request_id)
    if request is None:
        return ActionResult(False, N_("This request no longer exists."))
    case = await session.get(Case, request.case_id)
    assert case is not None
    if request.state != ExtensionState.PENDING:
        return ActionResult(False, N_("This request was already decided."), case)
    if not await is_above(session, member, case):
        return ActionResult(
            False, N_("Only the level above the case can decide on more time."), case
        )
    if approve and (not case.is_open or case.stage != request.stage):
        return ActionResult(False, N_("The case has moved on since the request."), case)
    request.state = ExtensionState.APPROVED if approve else ExtensionState.REFUSED
    request.decided_by_id = member.id
    request.decided_at = now
    old_due = case.due_at
    if approve:
        case.due_at = request.requested_due
        # Reminder moments already behind us are not owed any more; the later ones are.
        case.reminders_sent = sum(1 for t in reminder_times(case, settings) if t <= now)
        case.next_alarm_at = schedule_alarm(case, settings)
    session.add(CaseEvent(
        case_id=case.id, actor_id=member.id, at=now,
        kind="extension_approved" if approve else "extension_refused",
        payload={"request_id": request.id,
                 "old_due": old_due.isoformat() if old_due else None,
                 "new_due": case.due_at.isoformat() if case.due_at else None},
    ))
    requester = await session.get(Member, request.requester_id)
    if requester is not None and requester.active:
        await queue(
            session, ExtensionDecided(request.id), recipient=requester, case_id=case.id,
            dedupe_key=f"extdec:{request.id}",
        )
    return ActionResult(True, case=case)


async def may_hold(session: AsyncSession, member: Member, case: Case) -> bool:
    """Whether `member` acts for a cell that holds the open case (may take it over, hand it
    down): a manager, leader or admin of its cell or of one above."""
    if not case.is_open or not member.active or member.role_enum not in HOLDERS:
        return False
    mine, theirs = await _cells(session, member, case)
    return mine is not None and contains(mine, theirs)


async def hand_down_target(session: AsyncSession, case: Case) -> int | None:
    """The cell one level back towards where an escalated case came from; None when it is
    already at the level it came from."""
    origin = await session.get(GridCell, case.origin_cell_id)
    below = path_ids(origin.path) if origin is not None else []
    if case.cell_id not in below or below[-1] == case.cell_id:
        return None
    return below[below.index(case.cell_id) + 1]


async def _held_by(
    session: AsyncSession, case_id: int, member: Member, not_holder: str
) -> tuple[Case, GridCell] | ActionResult:
    """The open case and the member's cell, when that cell (or one above it) holds the case and
    the member may act for it; else the refusal, `not_holder` when the cell is the wrong one."""
    case = await session.get(Case, case_id)
    if case is None:
        return ActionResult(False, N_("This case no longer exists."))
    if not case.is_open:
        return ActionResult(False, N_("This case is no longer open."), case)
    mine, theirs = await _cells(session, member, case)
    if member.role_enum not in HOLDERS or mine is None or not contains(mine, theirs):
        return ActionResult(False, not_holder, case)
    return case, mine


async def take_over(
    session: AsyncSession, settings: Settings, case_id: int, member: Member, now: datetime
) -> ActionResult:
    """A member whose cell holds the case makes it theirs: the case moves to their cell."""
    held = await _held_by(session, case_id, member,
                          N_("Only a member of this cell or a cell above can take the case over."))
    if isinstance(held, ActionResult):
        return held
    case, mine = held
    if case.assignee_id == member.id and case.cell_id == mine.id:
        return ActionResult(False, N_("You already hold this case."), case)
    session.add(CaseEvent(
        case_id=case.id, actor_id=member.id, kind="taken_over", at=now,
        payload={"from_cell": case.cell_id, "to_cell": mine.id},
    ))
    before = others(await holders(session, case), [member])  # they hear who has it now
    case.cell_id = mine.id
    case.assignee_id = member.id
    await tell(session, CaseNews(case.id, "taken_over", by=member.id, cell_id=mine.id), before,
               f"tko:{case.id}:{int(now.timestamp())}")
    return ActionResult(True, case=case)


async def hand_down(
    session: AsyncSession,
    settings: Settings,
    case_id: int,
    member: Member,
    now: datetime,
    due: datetime | None = None,
) -> ActionResult:
    """Send an escalated case one level back towards where it came from, with a new deadline."""
    held = await _held_by(session, case_id, member,
                          N_("Only a member of this cell or a cell above can hand the case down."))
    if isinstance(held, ActionResult):
        return held
    case, _ = held
    target_id = await hand_down_target(session, case)
    if target_id is None:
        return ActionResult(False, N_("This case is already at the level it came from."), case)
    session.add(CaseEvent(
        case_id=case.id, actor_id=member.id, kind="handed_down", at=now,
        payload={"from_cell": case.cell_id, "to_cell": target_id},
    ))
    case.cell_id = target_id
    case.assignee_id = None
    start_stage(case, Stage(case.stage or Stage.ACCEPT), settings, now, due)
    for manager in await nearest_managers(session, target_id):
        await queue(
            session, HandedDown(case.id, by=member.id), recipient=manager,
            dedupe_key=f"handdown:{case.id}:{int(now.timestamp())}:{manager.id}",
        )
    return ActionResult(True, case=case)
