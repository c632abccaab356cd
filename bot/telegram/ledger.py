"""/ledger on Telegram (handlers.ledger): the file in a private chat, a refusal elsewhere."""

from __future__ import annotations

from telegram.ext import CommandHandler, filters

from bot.telegram.adapt import on
from bot.telegram.context import GridApp
from bot.telegram.routes import register_routes
from handlers import ledger


def register(app: GridApp) -> None:
    private = filters.ChatType.PRIVATE
    register_routes(app, ledger.ROUTES)
    app.add_handler(CommandHandler("ledger", on(ledger.on_ledger_in_group), filters=~private))
