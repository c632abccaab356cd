"""What follows an order: the target acknowledges it and answers (落实情况: what was done, with
photos); the issuer (or anyone who may issue) accepts the answer or sends it back with a
reason, and the target answers again. Each step is a case event and tells the other side."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Case,
    CaseEvent,
    Member,
    OrderAnswer,
    OrderState,
    Photo,
    PhotoKind,
    Role,
    SupervisionOrder,
)
from services.grid import nearest_managers
from services.i18n import N_
from services.notices.kinds import OrderNotice
from services.notices.queue import queue
from services.orders.rights import (
    ANSWERABLE_STATES,
    OrderResult,
    may_answer,
    may_issue,
    source_leader,
)
from services.photos import PhotoFacts, PhotoStore
from services.photos.rows import photo_row

DONE = {
    OrderState.ACCEPTED: N_("This supervision order was already accepted."),
    OrderState.RESOLVED: N_("This supervision order was resolved: its case is closed."),
    OrderState.ANSWERED: N_("This supervision order was answered and waits for the decision."),
}


def _event(order: SupervisionOrder, member: Member | None, kind: str, now: datetime,
           **more: object) -> CaseEvent:
    payload: dict[str, object] = {"order_id": order.id, "number": order.number,
                                  "note": order.number}
    payload.update(more)
    return CaseEvent(case_id=order.case_id, actor_id=member.id if member else None, kind=kind,
                     at=now, payload=payload)


async def _load(session: AsyncSession, order_id: int
                ) -> tuple[SupervisionOrder | None, Case | None]:
    order = await session.get(SupervisionOrder, order_id)
    case = await session.get(Case, order.case_id) if order is not None else None
    return order, case


async def acknowledge_order(
    session: AsyncSession, order_id: int, member: Member, now: datetime
) -> OrderResult:
    """The target cell (a member there or above, or the case's assignee) acknowledges an order."""
    order, case = await _load(session, order_id)
    if order is None:
        return OrderResult(False, N_("This supervision order no longer exists."))
    if order.state != OrderState.ISSUED:
        return OrderResult(False, N_("This supervision order was already acknowledged."), case)
    if not await may_answer(session, member, case, order.target_cell_id):
        return OrderResult(
            False, N_("Only the cell the order is addressed to can acknowledge it."), case)
    order.state = OrderState.ACKNOWLEDGED
    order.acknowledged_at = now
    order.acknowledged_by_id = member.id
    session.add(_event(order, member, "supervision_order_acknowledged", now))
    return OrderResult(True, case=case)


async def may_answer_order(session: AsyncSession, order_id: int, member: Member) -> OrderResult:
    """Whether `member` may answer the order now (checked when they start, and at submit)."""
    order, case = await _load(session, order_id)
    if order is None:
        return OrderResult(False, N_("This supervision order no longer exists."))
    if order.state not in ANSWERABLE_STATES:
        return OrderResult(False, DONE.get(OrderState(order.state), DONE[OrderState.ACCEPTED]),
                           case)
    if not await may_answer(session, member, case, order.target_cell_id):
        return OrderResult(
            False, N_("Only the cell the order is addressed to can answer it."), case)
    return OrderResult(True, case=case)


async def record_order_photo(
    session: AsyncSession, member_id: int, facts: PhotoFacts, stored_path: str, now: datetime,
    *, file_id: str | None = None, file_unique_id: str | None = None,
) -> int:
    """Keep a photo received for an answer (tied to it by `answer_order`; the caller commits)."""
    photo = photo_row(facts, stored_path, now, kind=PhotoKind.ORDER, uploaded_by_id=member_id,
                      file_id=file_id, file_unique_id=file_unique_id)
    session.add(photo)
    await session.flush()
    return photo.id


async def discard_order_photos(session: AsyncSession, member_id: int, photo_ids: list[int],
                               store: PhotoStore) -> int:
    """The photos of an answer given up before it was submitted (/cancel): their rows go, and
    their bytes once the transaction commits, unless another photo has the same content."""
    if not photo_ids:
        return 0
    mine = (Photo.id.in_(photo_ids), Photo.kind == PhotoKind.ORDER, Photo.case_id.is_(None),
            Photo.uploaded_by_id == member_id)
    dropped = list(await session.execute(select(Photo.sha256, Photo.stored_path).where(*mine)))
    await session.execute(delete(Photo).where(*mine))
    await session.flush()
    if dropped:
        await store.drop_at_commit(session, [(sha, path) for sha, path in dropped])
    return len(dropped)


async def answer_order(
    session: AsyncSession, order_id: int, member: Member, text: str, photo_ids: list[int],
    now: datetime,
) -> OrderResult:
    """The target says what was done: the order waits for the issuer's decision (and climbs
    no more meanwhile); the issuer, else who may issue, is told."""
    checked = await may_answer_order(session, order_id, member)
    if not checked.ok:
        return checked
    if not text.strip():
        return OrderResult(False, N_("Please write what was done."), checked.case)
    order = await session.get(SupervisionOrder, order_id)
    case = checked.case
    assert order is not None and case is not None
    answer = OrderAnswer(order_id=order.id, author_id=member.id, text=text.strip(),
                         photo_ids=list(photo_ids), answered_at=now)
    session.add(answer)
    if order.acknowledged_at is None:
        order.acknowledged_at, order.acknowledged_by_id = now, member.id
    order.state = OrderState.ANSWERED
    await session.flush()
    session.add(_event(order, member, "supervision_order_answered", now, answer_id=answer.id,
                       photos=len(photo_ids)))
    for reader in await deciders(session, order, case):
        if reader.id != member.id:
            await queue(session, OrderNotice(order.id, level=order.escalation_level,
                                             step="answered", answer_id=answer.id),
                        recipient=reader, case_id=case.id,
                        dedupe_key=f"order:{order.id}:answer:{answer.id}:{reader.id}")
    return OrderResult(True, case=case)


async def deciders(session: AsyncSession, order: SupervisionOrder, case: Case) -> list[Member]:
    """Who decides on an answer: the issuer while they may; for an automatic order (or an
    issuer who may no longer), the source's leader and the supervisors over the case."""
    if order.issuer_id is not None:
        issuer = await session.get(Member, order.issuer_id)
        if issuer is not None and await may_issue(session, issuer, case):
            return [issuer]
    found: list[Member] = []
    leader = await source_leader(session, case)
    if leader is not None:
        found.append(leader)
    supervisors = await session.scalars(
        select(Member).where(Member.role == Role.SUPERVISOR, Member.active.is_(True)))
    for supervisor in supervisors:
        if supervisor not in found and await may_issue(session, supervisor, case):
            found.append(supervisor)
    return found


async def decide_order(
    session: AsyncSession, order_id: int, member: Member, accept: bool, now: datetime,
    reason: str = "",
) -> OrderResult:
    """Accept the last answer (the order is done) or send it back with a reason (the order
    keeps its deadline, and the target answers again); the answer's author is told."""
    order, case = await _load(session, order_id)
    if order is None or case is None:
        return OrderResult(False, N_("This supervision order no longer exists."))
    if order.state != OrderState.ANSWERED:
        return OrderResult(False, DONE.get(OrderState(order.state), N_(
            "This supervision order has no answer to decide on.")), case)
    if not await may_issue(session, member, case):
        return OrderResult(False, N_("Only the issuer of the order can accept or send back its "
                                     "answer."), case)
    if not accept and not reason.strip():
        return OrderResult(False, N_("Please give the reason for sending the answer back."), case)
    answer = await session.scalar(select(OrderAnswer).where(OrderAnswer.order_id == order.id)
                                  .order_by(OrderAnswer.id.desc()).limit(1))
    assert answer is not None
    answer.decision = "accepted" if accept else "returned"
    answer.reason = None if accept else reason.strip()
    answer.decided_by_id, answer.decided_at = member.id, now
    order.state = OrderState.ACCEPTED if accept else OrderState.RETURNED
    if accept:
        order.resolved_at = now
        session.add(_event(order, member, "supervision_order_accepted", now))
    else:
        session.add(_event(order, member, "supervision_order_returned", now,
                           reason=answer.reason))
    author = await session.get(Member, answer.author_id)
    step = "accepted" if accept else "returned"
    told = [author] if author is not None and author.active else []
    if not told:
        told = list(await nearest_managers(session, order.target_cell_id))
    for reader in told:
        await queue(session, OrderNotice(order.id, level=order.escalation_level, step=step,
                                         answer_id=answer.id),
                    recipient=reader, case_id=case.id,
                    dedupe_key=f"order:{order.id}:{step}:{answer.id}:{reader.id}")
    return OrderResult(True, case=case)
