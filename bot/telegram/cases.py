"""The case buttons and /case /open /mine on Telegram (the questions some actions ask next
are a conversation of handlers.conversations, claimed by bot/telegram/conversations.py)."""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.telegram.adapt import on
from bot.telegram.context import GridApp
from handlers import cases


def register(app: GridApp) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CallbackQueryHandler(on(cases.on_button), pattern=cases.BUTTON_PATTERN))
    app.add_handler(CallbackQueryHandler(on(cases.on_press), pattern=f"^{cases.FLOW_PREFIX}:"))
    app.add_handler(CommandHandler("case", on(cases.case_command), filters=private))
    app.add_handler(CommandHandler("open", on(cases.open_command), filters=private))
    app.add_handler(CommandHandler("mine", on(cases.mine_command), filters=private))
