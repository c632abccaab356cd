"""The case buttons and /case /open /mine on Telegram (the questions some actions ask next
are a conversation of handlers.conversations, claimed by bot/telegram/conversations.py)."""

from __future__ import annotations

from bot.telegram.context import GridApp
from bot.telegram.routes import register_routes
from handlers import cases


def register(app: GridApp) -> None:
    register_routes(app, cases.ROUTES)
