"""/patrol on Telegram (handlers.patrols): its command and buttons, and the edits of a live
location (each move arrives as an edited message), which only a patrol takes."""

from __future__ import annotations

from telegram import Update
from telegram.ext import MessageHandler, filters

from bot.telegram.answer import give
from bot.telegram.context import Ctx, GridApp
from bot.telegram.inbound import moved_of
from bot.telegram.routes import register_routes
from handlers import patrols


async def _moved(update: Update, ctx: Ctx) -> None:
    inbound = moved_of(update, ctx.chat_data)
    if inbound is None or not patrols.CONVERSATION.claims(inbound, ctx.deps):
        return
    answer = await patrols.on_location(inbound, ctx.deps)
    if answer is not None:
        await give(update, ctx, answer)


def register(app: GridApp) -> None:
    register_routes(app, patrols.ROUTES)
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE & filters.LOCATION, _moved))
