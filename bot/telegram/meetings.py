"""/meeting on Telegram (handlers.meetings), in a private chat."""

from __future__ import annotations

from bot.telegram.context import GridApp
from bot.telegram.routes import register_routes
from handlers import meetings


def register(app: GridApp) -> None:
    register_routes(app, meetings.ROUTES)
