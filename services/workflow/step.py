"""The machinery every transition shares: load and check, record, notify, start a clock, and
flush, with a lost race surfaced as `LostRace` for the unit of work to run again (`attempt`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from models import Case, CaseEvent, CaseState, Member, Stage
from services.cases import Action, RefusalReason, Scope, WorkflowRefused, load_scope, refusal_for
from services.deadlines import start_stage
from services.notices.card_refresh import queue_card_refresh
from services.notices.kinds import Notice
from services.notices.queue import queue
from services.settings import Settings

P = ParamSpec("P")


@dataclass(frozen=True)
class Outcome:
    """What a transition did, for the handler's answer."""

    case_id: int
    number: str
    state: str
    version: int
    event: str
    notices: int = 0
    fix_distance_m: float | None = None
    far_from_case: bool = False


@dataclass(frozen=True)
class Plan:
    """A rectification plan, "one point, one policy" (一点一策)."""

    task: str
    steps: str
    owner: str
    due: datetime


@dataclass
class TransitionRun:
    """One transition in progress: the loaded rows plus what it queued."""

    session: AsyncSession
    settings: Settings
    case: Case
    actor: Member
    scope: Scope
    now: datetime
    notices: int = 0

    def event(self, kind: str, **payload: Any) -> CaseEvent:
        event = CaseEvent(
            case_id=self.case.id, actor_id=self.actor.id, kind=kind, at=self.now, payload=payload
        )
        self.session.add(event)
        self.case.updated_at = self.now
        return event

    async def notify(
        self, notice: Notice, members: Sequence[Member], exclude_actor: bool = True
    ) -> None:
        seen: set[int] = set()
        for member in members:
            if member.id in seen or (exclude_actor and member.id == self.actor.id):
                continue
            seen.add(member.id)
            await queue(self.session, notice, recipient=member, case_id=self.case.id)
            self.notices += 1

    def enter_stage(self, stage: Stage | None, due: datetime | None = None) -> None:
        """Start the clock of a stage (`services.deadlines.start_stage`: due from settings
        unless given); None stops the clock. Call it after setting the case's new state."""
        case = self.case
        if stage is None:
            case.reminders_sent = 0
            case.stage = case.stage_started_at = case.due_at = case.next_alarm_at = None
            return
        start_stage(case, stage, self.settings, self.now, due)

    def outcome(self, event: str, **extra: Any) -> Outcome:
        return Outcome(
            case_id=self.case.id,
            number=self.case.number,
            state=self.case.state,
            version=self.case.version,
            event=event,
            notices=self.notices,
            **extra,
        )


def _is_lock_conflict(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    return "locked" in text or "could not serialize" in text or "deadlock" in text


async def moved_on(session: AsyncSession, case_id: int) -> WorkflowRefused:
    """The refusal for a case that is no longer where the button thought: its state and who
    moved it last."""
    case = await session.get(Case, case_id, populate_existing=True)
    if case is None:
        return WorkflowRefused(RefusalReason.NOT_FOUND, number=str(case_id))
    if case.state == CaseState.MERGED and case.merged_into_id is not None:
        target = await session.get(Case, case.merged_into_id)
        return WorkflowRefused(
            RefusalReason.MERGED, number=case.number, target=target.number if target else ""
        )
    name = await session.scalar(
        select(Member.display_name)
        .join(CaseEvent, CaseEvent.actor_id == Member.id)
        .where(CaseEvent.case_id == case_id)
        .order_by(CaseEvent.id.desc())
        .limit(1)
    )
    return WorkflowRefused(
        RefusalReason.MOVED_ON, number=case.number, state=case.state, by=name or "")


async def finish(step: TransitionRun) -> None:
    """The end of every transition: its cards queued for a redraw and everything flushed, so a
    lost race surfaces here; the caller's unit of work commits."""
    await queue_card_refresh(step.session, step.case.id)  # no copy of its cards goes stale
    await step.session.flush()


class LostRace(Exception):
    """Someone else wrote the case between this unit of work's read and its write (the
    optimistic lock on Case.version, or SQLite's write lock): roll back and run it again."""

    def __init__(self, case_id: int | None) -> None:
        super().__init__(f"lost a race on case {case_id}")
        self.case_id = case_id


def is_lost_race(exc: BaseException) -> bool:
    if isinstance(exc, LostRace | StaleDataError):
        return True
    return isinstance(exc, OperationalError) and _is_lock_conflict(exc)


Transition = Callable[Concatenate[AsyncSession, Settings, int, P], Awaitable["Outcome"]]


ATTEMPTS = 3
T = TypeVar("T")


def transition(fn: Transition[P]) -> Transition[P]:
    """Mark a transition: a lost race anywhere in it comes out as `LostRace` for its case."""

    @wraps(fn)
    async def guarded(
        session: AsyncSession,
        settings: Settings,
        case_id: int,
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> Outcome:
        try:
            return await fn(session, settings, case_id, *args, **kwargs)
        except (StaleDataError, OperationalError) as exc:
            if not is_lost_race(exc):
                raise
            raise LostRace(case_id) from exc

    return guarded


async def attempt(sessions: Callable[[], AsyncSession],
                  work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """One unit of work: a session opened, `work` run in it and committed, the one commit
    point. A lost race rolls it all back and runs `work` again on fresh rows, where the
    re-check refuses with where the case went if someone else moved it, or goes through if
    only a background write (a reminder) touched it. `work` must not talk to the network."""
    for tried in range(1, ATTEMPTS + 1):
        async with sessions() as session:
            try:
                result = await work(session)
                await session.commit()
                return result
            except (LostRace, StaleDataError, OperationalError) as exc:
                await session.rollback()
                if not is_lost_race(exc) or tried == ATTEMPTS:
                    raise
    raise AssertionError("unreachable")


async def run(
    session: AsyncSession,
    settings: Settings,
    action: Action,
    case_id: int,
    actor_id: int,
    now: datetime,
) -> TransitionRun:
    """Load and check, before anything is written: a refusal leaves the session as it was."""
    case = await session.get(Case, case_id, populate_existing=True)
    if case is None:
        raise WorkflowRefused(RefusalReason.NOT_FOUND, number=str(case_id))
    actor = await session.get(Member, actor_id)
    if actor is None or not actor.active:
        raise WorkflowRefused(RefusalReason.NOT_MEMBER)
    scope = await load_scope(session, case, actor)
    refusal = refusal_for(action, case, actor, scope)
    if refusal in (RefusalReason.MOVED_ON, RefusalReason.MERGED):
        raise await moved_on(session, case.id)
    if refusal is not None:
        raise WorkflowRefused(refusal, number=case.number)
    return TransitionRun(session, settings, case, actor, scope, now)


def required(text: str | None) -> str:
    """A reason, stripped; none at all is refused."""
    value = (text or "").strip()
    if not value:
        raise WorkflowRefused(RefusalReason.REASON_REQUIRED)
    return value
