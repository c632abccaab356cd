"""Which member is in the middle of a button's conversation (services.pending), as handlers see it.

The rows live in the database so a restart loses nothing; a small per-process map of user id ->
(kind, expires_at), learned once per user by `warm` and kept current by `begin` and `end`, lets
a handler's synchronous `check_update` claim the next message without a query per update.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from telegram import Update
from telegram.ext import TypeHandler

from handlers import order
from handlers.common import PLATFORM
from handlers.context import Ctx, GridApp
from models import Member, PendingAction, utcnow
from services import pending

CACHE_KEY = "pending_actions"

Cache = dict[str, tuple[str, datetime] | None]


def _cache(bot_data: dict[Any, Any]) -> Cache:
    cache: Cache = bot_data.setdefault(CACHE_KEY, {})
    return cache


def kind_for(bot_data: dict[Any, Any], user_id: int | str) -> str | None:
    """The kind of the user's live conversation, if this process knows of one."""
    entry = _cache(bot_data).get(str(user_id))
    if entry is None or entry[1] <= utcnow():
        return None
    return entry[0]


async def warm(update: Update, ctx: Ctx) -> None:
    """Learn once per process whether this user is in a conversation (rows survive restarts)."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != "private":
        return
    cache = _cache(ctx.bot_data)
    if str(user.id) in cache:
        return
    async with ctx.deps.sessions() as session:
        row = await pending.of_user(session, PLATFORM, user.id)
    cache[str(user.id)] = (row.kind, row.expires_at) if row is not None else None


async def begin(
    ctx: Ctx,
    member: Member,
    kind: str,
    *,
    ttl: timedelta,
    case_id: int | None = None,
    step: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    async with ctx.deps.sessions() as session:
        row = await pending.begin(session, member.id, kind, now=utcnow(), ttl=ttl,
                                  case_id=case_id, step=step, data=data)
        expires = row.expires_at
        await session.commit()
    _cache(ctx.bot_data)[member.platform_user_id] = (kind, expires)


async def load(ctx: Ctx, member: Member) -> PendingAction | None:
    async with ctx.deps.sessions() as session:
        return await pending.current(session, member.id, utcnow())


async def save(ctx: Ctx, member: Member, step: str | None, data: dict[str, Any]) -> bool:
    async with ctx.deps.sessions() as session:
        kept = await pending.save(session, member.id, step=step, data=data, now=utcnow())
        await session.commit()
    return kept


async def end(ctx: Ctx, member: Member) -> None:
    async with ctx.deps.sessions() as session:
        await pending.end(session, member.id)
        await session.commit()
    _cache(ctx.bot_data)[member.platform_user_id] = None


def ensure_warm(app: GridApp) -> None:
    """Register `warm` once, whichever module asks first."""
    registered = app.handlers.get(order.PENDING_WARM, [])
    if not any(getattr(h, "callback", None) is warm for h in registered):
        app.add_handler(TypeHandler(Update, warm), group=order.PENDING_WARM)
