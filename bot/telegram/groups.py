"""The bot in group chats on Telegram (handlers.groups): its commands in groups, the bot's own
membership changing (added, removed, muted) and a group migrated to a supergroup, read from
PTB's updates; the /report deep link made with the bot's username."""

from __future__ import annotations

from telegram import ChatMemberRestricted, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus, ParseMode
from telegram.ext import ChatMemberHandler, CommandHandler, MessageHandler, filters

from bot.telegram.adapt import on
from bot.telegram.answer import give, send
from bot.telegram.context import Ctx, GridApp
from bot.telegram.inbound import inbound_of
from handlers import groups
from handlers.chat import Reply

GONE = frozenset({ChatMemberStatus.LEFT, ChatMemberStatus.BANNED})


async def on_bind(update: Update, ctx: Ctx) -> None:
    """/bind, with the group's title for the binding's record."""
    inbound = inbound_of(update, ctx.chat_data)
    chat = update.effective_chat
    if inbound is None or chat is None:
        return
    await give(update, ctx, await groups.on_bind(inbound, ctx.deps, title=chat.title or ""))


async def on_group_report(update: Update, ctx: Ctx) -> None:
    """/report in a group: a URL button to the private chat, at the report's start payload."""
    inbound = inbound_of(update, ctx.chat_data)
    chat = update.effective_chat
    if inbound is None or chat is None:
        return
    go = await groups.on_group_report(inbound, ctx.deps)
    if go is None:
        return
    link = ctx.deps.links[inbound.who.channel](go.payload, False)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(go.label, url=link)]])
    await chat.send_message(go.text, parse_mode=ParseMode.HTML, reply_markup=keyboard)


async def on_my_status(update: Update, ctx: Ctx) -> None:
    """The bot added to a group (say how to bind, if unbound) or removed; a bot muted in its
    group counts as removed."""
    changed = update.my_chat_member
    if changed is None or changed.chat.type not in ("group", "supergroup"):
        return
    new, old = changed.new_chat_member, changed.old_chat_member
    muted = isinstance(new, ChatMemberRestricted) and not new.can_send_messages
    chat_id = str(changed.chat.id)
    if new.status in GONE or muted:
        await groups.bot_left(ctx.deps, chat_id, muted=muted)
        return
    if old.status in GONE:
        said: Reply | None = await groups.bot_joined(ctx.deps, chat_id)
        if said is not None:
            await send(ctx, changed.chat.id, said)


async def on_migrate(update: Update, ctx: Ctx) -> None:
    """A group became a supergroup: both chats announce it; the binding follows either way."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id:
        old, new = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat.id
    else:
        return
    await groups.migrated(ctx.deps, str(old), str(new))


def register(app: GridApp) -> None:
    in_groups = filters.ChatType.GROUPS
    app.add_handler(CommandHandler(("bind", "start"), on_bind, filters=in_groups))
    app.add_handler(CommandHandler("unbind", on(groups.on_unbind), filters=in_groups))
    app.add_handler(CommandHandler("report", on_group_report, filters=in_groups))
    app.add_handler(ChatMemberHandler(on_my_status, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, on_migrate))
