"""The report conversation on Telegram: one handler that claims a reporter's updates (by
handlers.report.claims), the pre-handler that learns who has an open draft, and the ways in
from a group's link and a poster.

Which users have a draft is cached per process in `bot_data`, filled from the database by a
cheap pre-handler (`_warm`), because a PTB handler's `check_update` cannot await.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, TypeHandler, filters

from bot.telegram.answer import give
from bot.telegram.context import Ctx, GridApp
from bot.telegram.inbound import CHANNEL, inbound_of
from handlers import order, report, start
from handlers.chat import Inbound
from services.reports import drafts

COMMANDS = report.COMMANDS
CACHE_KEY = "report_open_drafts"


def _cache(bot_data: dict[Any, Any]) -> dict[str, bool]:
    cache: dict[str, bool] = bot_data.setdefault(CACHE_KEY, {})
    return cache


class ReportHandler(BaseHandler[Update, Ctx, None]):
    """Claims the updates that belong to the report conversation."""

    def __init__(self, callback: Callable[[Update, Ctx], Coroutine[Any, Any, None]],
                 bot_data: dict[Any, Any]) -> None:
        super().__init__(callback)
        self.bot_data = bot_data

    def check_update(self, update: object) -> bool:
        if not isinstance(update, Update):
            return False
        inbound = inbound_of(update)
        if inbound is None:
            return False
        return report.claims(inbound, _cache(self.bot_data).get(inbound.who.user_id, False))


async def _draft_open(session: AsyncSession, user_id: int) -> bool:
    _, draft = await drafts.member_and_draft(session, CHANNEL, user_id)
    return draft is not None


async def _warm(update: Update, ctx: Ctx) -> None:
    """Learn once per process whether this user has an open draft (so a restart loses nothing)."""
    user, chat = update.effective_user, update.effective_chat
    cache = _cache(ctx.bot_data)
    if user is None or chat is None or chat.type != "private" or str(user.id) in cache:
        return
    async with ctx.deps.sessions() as session:
        cache[str(user.id)] = await _draft_open(session, user.id)


def _inbound(update: Update, ctx: Ctx) -> Inbound:
    inbound = inbound_of(update, ctx.chat_data)
    assert inbound is not None  # the handler's check let it through
    return inbound


async def on_update(update: Update, ctx: Ctx) -> None:
    inbound = _inbound(update, ctx)
    answer, has_draft = await report.converse(inbound, ctx.deps)
    _cache(ctx.bot_data)[inbound.who.user_id] = has_draft
    await give(update, ctx, answer)


async def on_report_link(update: Update, ctx: Ctx) -> None:
    inbound = _inbound(update, ctx)
    answer, has_draft = await report.from_report_link(inbound, ctx.deps)
    _cache(ctx.bot_data)[inbound.who.user_id] = has_draft
    await give(update, ctx, answer)


async def on_poster(update: Update, ctx: Ctx) -> None:
    inbound = _inbound(update, ctx)
    done = await report.from_poster(inbound, ctx.deps)
    if done is None:
        await give(update, ctx, await start.start(inbound, ctx.deps))  # not a source: an invite
        return
    answer, has_draft = done
    _cache(ctx.bot_data)[inbound.who.user_id] = has_draft
    await give(update, ctx, answer)


def _entry(test: Callable[[Inbound], bool]) -> filters.UpdateFilter:
    class _Entry(filters.UpdateFilter):
        def filter(self, update: Update) -> bool:
            inbound = inbound_of(update)
            return inbound is not None and test(inbound)

    return _Entry()


def register_entries(app: GridApp) -> None:
    """The ways in (/start report, /start ws-CODE): before the start command's own handler."""
    app.add_handler(CommandHandler("start", on_report_link,
                                   filters=_entry(report.is_report_link)))
    app.add_handler(CommandHandler("start", on_poster, filters=_entry(report.is_poster)))


def register(app: GridApp) -> None:
    """One pre-handler that learns who has a draft, and the one handler of the conversation."""
    app.add_handler(TypeHandler(Update, _warm), group=order.REPORT_WARM)
    app.add_handler(ReportHandler(on_update, app.bot_data))
