"""The chat basics on Telegram (handlers.start): their commands in a private chat, the language
buttons, and a private chat's status (the person blocked the bot)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ChatMemberHandler

from bot.telegram.context import Ctx, GridApp
from bot.telegram.inbound import CHANNEL
from bot.telegram.routes import register_routes
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
    register_routes(app, start.ROUTES)
    # A group of its own: bot/telegram/groups.py takes every my_chat_member update in group 0.
    app.add_handler(ChatMemberHandler(on_private_status, ChatMemberHandler.MY_CHAT_MEMBER),
                    group=order.PRIVATE_STATUS)
