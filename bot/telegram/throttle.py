"""The flood guard (handlers.throttle) on Telegram: a pre-handler before every update, which
ends the update when the guard drops it."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.telegram.answer import give
from bot.telegram.context import Ctx, GridApp
from bot.telegram.inbound import CHANNEL, who_of
from handlers import order
from handlers.chat import Who
from handlers.throttle import FloodGuard

STATE_KEY = "throttle"


def guard_of(ctx: Ctx) -> FloodGuard:
    guard = ctx.bot_data.get(STATE_KEY)
    if not isinstance(guard, FloodGuard):
        guard = ctx.bot_data[STATE_KEY] = FloodGuard.of(ctx.deps.settings)
    return guard


async def throttle(update: Update, ctx: Ctx) -> None:
    """Let the update on, or drop it (telling the person the first time)."""
    user = update.effective_user
    if user is None or user.is_bot:
        return
    moved = update.edited_message
    if moved is not None and moved.location is not None:
        return  # a live location moving: the phone reports at Telegram's pace, nobody typed
    # An update with a person but no chat (an inline query) counts too.
    who = who_of(update) or Who(CHANNEL, str(user.id), "", private=False,
                                language_code=user.language_code)
    verdict = guard_of(ctx).judge(who, press=update.callback_query is not None)
    if verdict.admit:
        return
    if verdict.answer is not None:
        await give(update, ctx, verdict.answer)
    raise ApplicationHandlerStop


def register(app: GridApp) -> None:
    app.add_handler(TypeHandler(Update, throttle), group=order.THROTTLE)
