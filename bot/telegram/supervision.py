"""The deadline buttons on Telegram (the reason asked for more time is a
conversation of handlers.conversations, claimed by bot/telegram/conversations.py)."""

from __future__ import annotations

from bot.telegram.context import GridApp
from bot.telegram.routes import register_routes
from handlers import supervision


def register(app: GridApp) -> None:
    register_routes(app, supervision.ROUTES)
