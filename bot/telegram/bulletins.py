"""/bulletin and the bulletin buttons (bl:...) on Telegram (the opening or demands asked for
next is a conversation of handlers.conversations, claimed by bot/telegram/conversations.py)."""

from __future__ import annotations

from bot.telegram.context import GridApp
from bot.telegram.routes import register_routes
from handlers import bulletins


def register(app: GridApp) -> None:
    register_routes(app, bulletins.ROUTES)
