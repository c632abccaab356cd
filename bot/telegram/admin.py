"""Administration (/invite /members /poster and their buttons) on Telegram: in a private chat
only; in a group the same commands are told to go private."""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.telegram.adapt import on
from bot.telegram.context import GridApp
from handlers import admin, admin_views


def register(app: GridApp) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("invite", on(admin.on_invite), filters=private))
    app.add_handler(CommandHandler("members", on(admin.on_members), filters=private))
    app.add_handler(CommandHandler("poster", on(admin.on_poster), filters=private))
    app.add_handler(CommandHandler(admin.STAFF_COMMANDS, on(admin.on_staff_in_group),
                                   filters=filters.ChatType.GROUPS))
    app.add_handler(CallbackQueryHandler(on(admin.on_press), pattern=f"^{admin_views.PREFIX}"))
