"""The one writer of outbox rows: a notice (services/notices/kinds.py) queued in the caller's
transaction, one at a time or many in one INSERT (the sweep's batches, the digests), and the
rows the bot records of what it sent itself (a reply card, a redrawn card). Never sent here.

Payloads carry ids, not rendered text: the sender renders in the recipient's language at send
time. A `dedupe_key` makes a second notice with the same key a no-op.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Table, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from models import Member, Outbox, OutboxState, utcnow
from services.notices.kinds import CaseNotice, Notice, dump

OUTBOX: Table = Outbox.__table__  # type: ignore[assignment]
AT_ONCE = 1000  # rows per INSERT of queue_many


class Target(NamedTuple):
    """Where a notice goes: a chat on a platform, and the member it is for (None: a group, or
    a member who is inactive by now)."""

    platform: str
    chat_id: str
    recipient_id: int | None = None


def target(recipient: Member | None = None, chat_id: str | None = None) -> Target:
    """A member's chat (or `chat_id` instead of it), or a chat alone."""
    if recipient is None and chat_id is None:
        raise ValueError("a notice needs a recipient or a chat")
    if recipient is None:
        assert chat_id is not None
        return Target("telegram", chat_id)
    return Target(recipient.platform, chat_id if chat_id is not None else recipient.chat_id,
                  recipient.id)


def _case_id(notice: Notice, case_id: int | None) -> int | None:
    if case_id is None and isinstance(notice, CaseNotice):
        return notice.case_id
    return case_id


async def queue(
    session: AsyncSession,
    notice: Notice,
    *,
    recipient: Member | None = None,
    chat_id: str | None = None,
    to: Target | None = None,
    case_id: int | None = None,
    dedupe_key: str | None = None,
) -> Outbox:
    """Add one notice to the outbox (for `recipient`, or `chat_id`, or `to`); its kind names the
    renderer that turns it into a message. `case_id` defaults to the notice's case."""
    where = to if to is not None else target(recipient, chat_id)
    if dedupe_key is not None:
        existing = await session.scalar(select(Outbox).where(Outbox.dedupe_key == dedupe_key))
        if existing is not None:
            return existing
    row = Outbox(kind=notice.KIND, platform=where.platform, chat_id=where.chat_id,
                 recipient_id=where.recipient_id, case_id=_case_id(notice, case_id),
                 payload=dump(notice), dedupe_key=dedupe_key)
    session.add(row)
    await session.flush()
    return row


async def requeue(session: AsyncSession, row: Outbox, recipient: Member,
                  dedupe_key: str) -> Outbox:
    """A copy of a queued notice for someone else (a stand-in of a member who cannot get it),
    saying which row it stands in for; its payload as stored, whatever its kind."""
    if (existing := await session.scalar(
            select(Outbox).where(Outbox.dedupe_key == dedupe_key))) is not None:
        return existing
    where = target(recipient)
    copy = Outbox(kind=row.kind, platform=where.platform, chat_id=where.chat_id,
                  recipient_id=where.recipient_id, case_id=row.case_id,
                  payload={**(row.payload or {}), "redirected_from": row.id},
                  dedupe_key=dedupe_key)
    session.add(copy)
    await session.flush()
    return copy


def outbox_row(notice: Notice, to: Target, dedupe_key: str | None, queued_at: datetime,
               case_id: int | None = None) -> dict[str, Any]:
    """One outbox row as `queue` writes it, for `queue_many`."""
    return {
        "kind": notice.KIND, "platform": to.platform, "chat_id": to.chat_id,
        "recipient_id": to.recipient_id, "case_id": _case_id(notice, case_id),
        "payload": dump(notice), "dedupe_key": dedupe_key,
        "state": OutboxState.PENDING.value, "attempts": 0, "next_attempt_at": queued_at,
        "result": {}, "created_at": queued_at,
    }


async def queue_many(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Many notices (`outbox_row`s) in one statement per AT_ONCE rows; a row whose dedupe key
    exists is skipped by the database."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for start in range(0, len(rows), AT_ONCE):
        await session.execute(insert(OUTBOX).on_conflict_do_nothing(),
                              rows[start:start + AT_ONCE])


async def record_sent(
    session: AsyncSession, notice: Notice, to: Target, result: dict[str, Any], *,
    case_id: int | None = None, now: datetime | None = None, attempts: int = 1,
) -> Outbox:
    """A notice the bot sent (or did) itself, kept as a sent row: what `result` says of it."""
    moment = now or utcnow()
    row = Outbox(kind=notice.KIND, platform=to.platform, chat_id=to.chat_id,
                 recipient_id=to.recipient_id, case_id=_case_id(notice, case_id),
                 payload=dump(notice), state=OutboxState.SENT, attempts=attempts,
                 created_at=moment, next_attempt_at=moment, sent_at=moment, result=result)
    session.add(row)
    await session.flush()
    return row


async def outbox_counts(session: AsyncSession) -> dict[OutboxState, int]:
    """How many notices are in each state (every state, zeros included): what `outbox status`,
    /healthz and /metrics show."""
    rows = await session.execute(select(Outbox.state, func.count()).group_by(Outbox.state))
    counts = {OutboxState(state): int(count) for state, count in rows}
    return {state: counts.get(state, 0) for state in OutboxState}
