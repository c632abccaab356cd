"""Administration (/invite /members /poster and their buttons) on Telegram: in a private chat
only; in a group the same commands are told to go private."""

from __future__ import annotations

from telegram.ext import CommandHandler, filters

from bot.telegram.adapt import on
from bot.telegram.context import GridApp
from bot.telegram.routes import register_routes
from handlers import admin


def register(app: GridApp) -> None:
    register_routes(app, admin.ROUTES)
    app.add_handler(CommandHandler(admin.STAFF_COMMANDS, on(admin.on_staff_in_group),
                                   filters=filters.ChatType.GROUPS))
