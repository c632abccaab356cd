"""The pre-handler that learns, once per person and process, whether they are in a button's
conversation (handlers.pending), so the handlers' synchronous checks can claim their messages."""

from __future__ import annotations

from telegram import Update
from telegram.ext import TypeHandler

from bot.telegram.context import Ctx, GridApp
from bot.telegram.inbound import who_of
from handlers import order, pending


async def warm(update: Update, ctx: Ctx) -> None:
    who = who_of(update)
    if who is not None:
        await pending.warm(ctx.deps, who)


def register(app: GridApp) -> None:
    app.add_handler(TypeHandler(Update, warm), group=order.PENDING_WARM)
