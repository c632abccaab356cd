"""The deadline buttons, /bulletin and the extension's reason on Telegram. The reason is
claimed by handlers.supervision.claims in its own group (order.REASON); once answered, the
update goes no further."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, CallbackQueryHandler, CommandHandler

from bot.telegram.adapt import on
from bot.telegram.answer import give
from bot.telegram.context import Ctx, GridApp
from bot.telegram.inbound import inbound_of
from handlers import order, supervision
from handlers.deps import Deps


async def _on_reason(update: Update, ctx: Ctx) -> None:
    inbound = inbound_of(update, ctx.chat_data)
    if inbound is None:
        return
    answer = await supervision.on_reason(inbound, ctx.deps)
    if answer is None:
        return  # the question had gone: the text is someone else's
    await give(update, ctx, answer)
    raise ApplicationHandlerStop


class ReasonHandler(BaseHandler[Update, Ctx, None]):
    """Claims the private text that answers "why do you need more time?"."""

    def __init__(self, deps: Deps) -> None:
        super().__init__(_on_reason)
        self.deps = deps

    def check_update(self, update: object) -> bool:
        if not isinstance(update, Update) or update.message is None:
            return False
        inbound = inbound_of(update)
        return inbound is not None and supervision.claims(inbound, self.deps)


def register(app: GridApp) -> None:
    app.add_handler(CallbackQueryHandler(on(supervision.on_button),
                                         pattern=rf"^{supervision.PREFIX}"))
    app.add_handler(CommandHandler("bulletin", on(supervision.on_bulletin)))
    app.add_handler(ReasonHandler(app.bot_data["deps"]), group=order.REASON)
