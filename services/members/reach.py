"""Members the bot can no longer reach (they blocked it, or their chat is gone): marked so, with
their open cases handed to stand-ins, and told on their return what did not reach them.

A refused send (the outbox) and a private status update (the chat) both mark a member
unreachable; /start brings them back. Plain functions over a session; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, CaseEvent, Member, MemberEvent, Outbox, OutboxState, utcnow
from services.members.membership import HandOver, hand_over_open_cases

UNREACHABLE = "unreachable"  # member_event kinds, and the hand-over's reason
REACHABLE = "reachable"
# Why: a send refused (403), the chat no longer exists ("chat not found"), the member blocked
# the bot and Telegram told us (my_chat_member "kicked").
BLOCKED, CHAT_GONE, KICKED = "blocked", "chat_not_found", "kicked"


def is_unreachable(member: Member) -> bool:
    """Inactive without a manager's deactivation: the bot cannot reach them."""
    return not member.active and member.deactivated_at is None


async def mark_unreachable(
    session: AsyncSession, member: Member, reason: str, now: datetime | None = None,
    *, notice_id: int | None = None,
) -> list[HandOver]:
    """The member gets nothing more (`active` off) and their open cases go to the stand-ins
    (reason "unreachable"); a `unreachable` member event the first time. A deactivated member
    is left as they are (their cases went when they were deactivated)."""
    if member.deactivated_at is not None:
        return []
    moment = now or utcnow()
    # Conditional, so that two senders refused at once write one event between them.
    changed: CursorResult[tuple[()]] = await session.execute(  # type: ignore[assignment]
        update(Member)
        .where(Member.id == member.id, Member.active.is_(True))
        .values(active=False, updated_at=moment)
        .execution_options(synchronize_session=False)
    )
    member.active = False
    handed = await hand_over_open_cases(session, member, moment, actor_id=None,
                                        reason=UNREACHABLE)
    if changed.rowcount == 1:
        session.add(MemberEvent(
            member_id=member.id, actor_id=None, kind=UNREACHABLE, at=moment,
            payload={"reason": reason, "notice_id": notice_id,
                     "cases": [h.case_id for h in handed]},
        ))
    await session.flush()
    return handed


@dataclass(frozen=True)
class Absence:
    """What happened while a member could not be reached: since when, how many notices failed
    to reach them, and the cases they held that went to others (number, who has it now)."""

    since: datetime
    missed: int
    cases: list[tuple[str, str | None]]


async def _since(session: AsyncSession, member: Member) -> tuple[datetime, int]:
    """When they became unreachable, and the last notice id already told of on a return."""
    events = list(await session.scalars(
        select(MemberEvent)
        .where(MemberEvent.member_id == member.id,
               MemberEvent.kind.in_([UNREACHABLE, REACHABLE]))
        .order_by(MemberEvent.id.desc()).limit(2)))
    since = events[0].at if events and events[0].kind == UNREACHABLE else member.updated_at
    told_up_to = next((int(e.payload.get("last_notice_id") or 0) for e in events
                       if e.kind == REACHABLE), 0)
    return since, told_up_to


async def absence(session: AsyncSession, member: Member) -> Absence | None:
    """What a member marked unreachable missed; None when they are reachable (or deactivated)."""
    if not is_unreachable(member):
        return None
    since, told_up_to = await _since(session, member)
    last_sent = await session.scalar(
        select(func.max(Outbox.id)).where(
            Outbox.recipient_id == member.id,
            Outbox.state.in_([OutboxState.SENT, OutboxState.UNCERTAIN]))) or 0
    missed = await session.scalar(
        select(func.count(Outbox.id)).where(
            Outbox.recipient_id == member.id, Outbox.state == OutboxState.FAILED,
            Outbox.id > max(int(last_sent), told_up_to))) or 0
    events = await session.execute(
        select(CaseEvent.payload, Case.number, Member.display_name)
        .join(Case, Case.id == CaseEvent.case_id)
        .outerjoin(Member, Member.id == Case.assignee_id)
        .where(CaseEvent.kind == "handed_over", CaseEvent.actor_id.is_(None),
               CaseEvent.at >= since)
        .order_by(CaseEvent.id))
    cases: dict[str, str | None] = {}
    for payload, number, holder in events:
        if payload.get("from_member_id") == member.id and payload.get("reason") == UNREACHABLE:
            cases[number] = holder or payload.get("assignee")
    return Absence(since, int(missed), list(cases.items()))


async def come_back(
    session: AsyncSession, member: Member, now: datetime | None = None
) -> Absence | None:
    """A member marked unreachable wrote again: reachable from now on (a `reachable` event), and
    what they missed, to tell them. Their cases stay with whoever has them now. None when they
    were not unreachable."""
    missed = await absence(session, member)
    if missed is None:
        return None
    moment = now or utcnow()
    last = await session.scalar(
        select(func.max(Outbox.id)).where(Outbox.recipient_id == member.id)) or 0
    member.active, member.updated_at = True, moment
    session.add(MemberEvent(
        member_id=member.id, actor_id=None, kind=REACHABLE, at=moment,
        payload={"since": missed.since.isoformat(), "missed": missed.missed,
                 "cases": [number for number, _ in missed.cases], "last_notice_id": int(last)},
    ))
    await session.flush()
    return missed
