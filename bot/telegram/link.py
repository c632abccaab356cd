"""/link on Telegram (handlers.link)."""

from __future__ import annotations

from bot.telegram.context import GridApp
from bot.telegram.routes import register_routes
from handlers import link


def register(app: GridApp) -> None:
    register_routes(app, link.ROUTES)
