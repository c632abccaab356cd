"""/robot on Telegram (handlers.robots): a manager there may choose their cell's WeCom robot
too; rights never depend on the channel."""

from __future__ import annotations

from bot.telegram.context import GridApp
from bot.telegram.routes import register_routes
from handlers import robots


def register(app: GridApp) -> None:
    register_routes(app, robots.ROUTES)
