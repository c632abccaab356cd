"""The case buttons, /case /open /mine and the case conversations on Telegram: one handler
claims the private messages that answer a person's open case conversation (handlers.cases.claims,
which reads the per-process map bot/telegram/pending.py warms)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.telegram.adapt import Callback, on
from bot.telegram.context import Ctx, GridApp
from bot.telegram.inbound import inbound_of
from handlers import cases
from handlers.deps import Deps


class FlowHandler(BaseHandler[Update, Ctx, None]):
    """Claims the private messages of a person in the middle of a case action's conversation."""

    def __init__(self, callback: Callback, deps: Deps) -> None:
        super().__init__(callback)
        self.deps = deps

    def check_update(self, update: object) -> bool:
        if not isinstance(update, Update) or update.message is None:
            return False
        inbound = inbound_of(update)
        return inbound is not None and cases.claims(inbound, self.deps)


def register(app: GridApp) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(FlowHandler(on(cases.on_message), app.bot_data["deps"]))
    app.add_handler(CallbackQueryHandler(on(cases.on_button), pattern=cases.BUTTON_PATTERN))
    app.add_handler(CallbackQueryHandler(on(cases.on_press), pattern=f"^{cases.FLOW_PREFIX}:"))
    app.add_handler(CommandHandler("case", on(cases.case_command), filters=private))
    app.add_handler(CommandHandler("open", on(cases.open_command), filters=private))
    app.add_handler(CommandHandler("mine", on(cases.mine_command), filters=private))
