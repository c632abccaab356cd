"""The supervision orders' buttons and /orders on Telegram (the answer's text and photos, the
issuer's own demand and the reason for sending back are a conversation of
handlers.conversations, claimed by bot/telegram/conversations.py)."""

from __future__ import annotations

from bot.telegram.context import GridApp
from bot.telegram.routes import register_routes
from handlers import orders


def register(app: GridApp) -> None:
    register_routes(app, orders.ROUTES)
