"""/problem on Telegram (handlers.problem_entry): the command and its buttons, in a private
chat; its typed answers come through the conversations (bot/telegram/conversations.py)."""

from __future__ import annotations

from bot.telegram.context import GridApp
from bot.telegram.routes import register_routes
from handlers import problem_entry


def register(app: GridApp) -> None:
    register_routes(app, problem_entry.ROUTES)
