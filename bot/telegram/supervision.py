"""The deadline buttons and /bulletin on Telegram (the reason asked for more time is a
conversation of handlers.conversations, claimed by bot/telegram/conversations.py)."""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.telegram.adapt import on
from bot.telegram.context import GridApp
from handlers import supervision


def register(app: GridApp) -> None:
    app.add_handler(CallbackQueryHandler(on(supervision.on_button),
                                         pattern=rf"^{supervision.PREFIX}"))
    app.add_handler(CommandHandler("bulletin", on(supervision.on_bulletin)))
