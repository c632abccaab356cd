"""Which member is in the middle of a button's conversation (services.pending), as handlers see it.

The rows live in the database so a restart loses nothing; a small per-process map of
(channel, user id) -> (kind, expires_at) in `Deps.pending`, learned once per person by `warm`
and kept current by `begin` and `end`, lets a channel's synchronous check claim the next
message without a query per update. `begin`, `load`, `save` and `end` work in the caller's
unit of work: the conversation commits once.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.chat import Who
from handlers.deps import Deps
from models import Member, PendingAction, utcnow
from services import pending


def _key(channel: str, user_id: str) -> str:
    return f"{channel}:{user_id}"


def kind_for(deps: Deps, who: Who) -> str | None:
    """The kind of the person's live conversation, if this process knows of one."""
    entry = deps.pending.get(_key(who.channel, who.user_id))
    if entry is None or entry[1] <= utcnow():
        return None
    return entry[0]


def known(deps: Deps, who: Who) -> bool:
    """Whether this process has learned the person's state (a private chat's only)."""
    return not who.private or _key(who.channel, who.user_id) in deps.pending


async def warm(deps: Deps, who: Who) -> None:
    """Learn once per process whether this person is in a conversation (rows survive restarts)."""
    if known(deps, who):
        return
    async with deps.sessions() as session:
        row = await pending.of_user(session, who.channel, who.user_id)
    deps.pending[_key(who.channel, who.user_id)] = (
        (row.kind, row.expires_at) if row is not None else None)


async def begin(
    session: AsyncSession,
    deps: Deps,
    member: Member,
    kind: str,
    *,
    ttl: timedelta,
    case_id: int | None = None,
    step: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Start the member's conversation in the caller's unit of work (the caller commits)."""
    row = await pending.begin(session, member.id, kind, now=utcnow(), ttl=ttl,
                              case_id=case_id, step=step, data=data)
    deps.pending[_key(member.platform, member.platform_user_id)] = (kind, row.expires_at)


async def load(session: AsyncSession, member: Member) -> PendingAction | None:
    return await pending.current(session, member.id, utcnow())


async def save(session: AsyncSession, member: Member, step: str | None,
               data: dict[str, Any]) -> bool:
    return await pending.save(session, member.id, step=step, data=data, now=utcnow())


async def end(session: AsyncSession, deps: Deps, member: Member) -> None:
    await pending.end(session, member.id)
    deps.pending[_key(member.platform, member.platform_user_id)] = None
