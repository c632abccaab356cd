"""/campaign on Telegram (handlers.campaigns), in a private chat."""

from __future__ import annotations

from bot.telegram.context import GridApp
from bot.telegram.routes import register_routes
from handlers import campaigns


def register(app: GridApp) -> None:
    register_routes(app, campaigns.ROUTES)
