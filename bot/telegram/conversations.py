"""The conversations that hold a person between two messages (handlers.conversations) on
Telegram: one pre-handler that learns, once per person and process, which of them the person
is in, and one handler that claims their messages (PTB's `check_update` cannot await, so it
reads what the pre-handler learnt)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, TypeHandler

from bot.telegram.answer import give
from bot.telegram.context import Ctx, GridApp
from bot.telegram.inbound import inbound_of, who_of
from handlers import engine, order
from handlers.conversations import CONVERSATIONS
from handlers.deps import Deps


async def _warm(update: Update, ctx: Ctx) -> None:
    who = who_of(update)
    if who is not None:
        await engine.warm(CONVERSATIONS, ctx.deps, who)


async def _converse(update: Update, ctx: Ctx) -> None:
    inbound = inbound_of(update, ctx.chat_data)
    if inbound is None:
        return
    answer = await engine.converse(CONVERSATIONS, inbound, ctx.deps)
    if answer is not None:
        await give(update, ctx, answer)


class ConversationsHandler(BaseHandler[Update, Ctx, None]):
    """Claims the messages and presses some conversation of handlers.conversations claims."""

    def __init__(self, deps: Deps) -> None:
        super().__init__(_converse)
        self.deps = deps

    def check_update(self, update: object) -> bool:
        if not isinstance(update, Update):
            return False
        inbound = inbound_of(update)
        return inbound is not None and engine.claimed(CONVERSATIONS, inbound, self.deps)


def register_warm(app: GridApp) -> None:
    """Before any handler checks (order.WARM)."""
    app.add_handler(TypeHandler(Update, _warm), group=order.WARM)


def register(app: GridApp) -> None:
    """Late in group 0: the report is broad, and the commands registered before it go first."""
    app.add_handler(ConversationsHandler(app.bot_data["deps"]))
