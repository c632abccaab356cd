"""The short conversation a member is in the middle of (a plan, a reason, the after-photo, more
time): one row per member, so a restart between two answers loses nothing.

Starting a conversation replaces the member's previous one; a row past `expires_at` counts as
gone. The caller owns the transaction and commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import PendingAction
from services.members.accounts import account_of


async def begin(
    session: AsyncSession,
    member_id: int,
    kind: str,
    *,
    now: datetime,
    ttl: timedelta,
    case_id: int | None = None,
    step: str | None = None,
    data: dict[str, Any] | None = None,
) -> PendingAction:
    """Start a conversation, dropping whatever the member was in before."""
    await session.execute(delete(PendingAction).where(PendingAction.member_id == member_id))
    row = PendingAction(
        member_id=member_id,
        kind=kind,
        case_id=case_id,
        step=step,
        data=dict(data or {}),
        created_at=now,
        updated_at=now,
        expires_at=now + ttl,
    )
    session.add(row)
    await session.flush()
    return row


async def current(session: AsyncSession, member_id: int, now: datetime) -> PendingAction | None:
    """The member's conversation, or None when there is none or it has lapsed."""
    row = await session.scalar(select(PendingAction).where(PendingAction.member_id == member_id))
    if row is not None and row.expires_at <= now:
        return None
    return row


async def of_user(
    session: AsyncSession, platform: str, user_id: str | int
) -> PendingAction | None:
    """The conversation of a platform user, lapsed or not (the caller looks at `expires_at`)."""
    found: PendingAction | None = await session.scalar(
        select(PendingAction).where(PendingAction.member_id.in_(account_of(platform, user_id)))
    )
    return found


async def save(
    session: AsyncSession,
    member_id: int,
    *,
    step: str | None,
    data: dict[str, Any],
    now: datetime,
) -> bool:
    """Record the next step and the answers so far; False if the conversation is gone."""
    row = await current(session, member_id, now)
    if row is None:
        return False
    row.step = step
    row.data = dict(data)  # a new object, so the JSON column is written
    row.updated_at = now
    await session.flush()
    return True


async def end(session: AsyncSession, member_id: int) -> None:
    """The conversation is over (done, cancelled or refused)."""
    await session.execute(delete(PendingAction).where(PendingAction.member_id == member_id))


async def drop_lapsed(session: AsyncSession, now: datetime) -> int:
    """Forget lapsed conversations (for the sweep); how many there were."""
    result = await session.execute(delete(PendingAction).where(PendingAction.expires_at <= now))
    return int(getattr(result, "rowcount", 0) or 0)
