"""The chat basics on Telegram (handlers.start): their commands in a private chat, the language
buttons, and a private chat's status (the person blocked the bot)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, ChatMemberHandler, CommandHandler, filters

from bot.telegram.adapt import on
from bot.telegram.context import Ctx, GridApp
from bot.telegram.inbound import CHANNEL
from handlers import order, start


async def on_private_status(update: Update, ctx: Ctx) -> None:
    """Telegram says "kicked" when a person blocks the bot in their private chat."""
    changed = update.my_chat_member
    if changed is None or changed.chat.type != "private":
        return
    if changed.new_chat_member.status != "kicked":
        return
    await start.blocked(ctx.deps, CHANNEL, str(changed.from_user.id))


def register(app: GridApp) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("start", on(start.start), filters=private))
    app.add_handler(CommandHandler("help", on(start.help_command), filters=private))
    app.add_handler(CommandHandler("lang", on(start.lang), filters=private))
    app.add_handler(CommandHandler("whoami", on(start.whoami), filters=private))
    app.add_handler(CallbackQueryHandler(on(start.lang_chosen), pattern=f"^{start.LANG_CALLBACK}"))
    # A group of its own: bot/telegram/groups.py takes every my_chat_member update in group 0.
    app.add_handler(ChatMemberHandler(on_private_status, ChatMemberHandler.MY_CHAT_MEMBER),
                    group=order.PRIVATE_STATUS)
