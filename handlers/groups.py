"""The bot in group chats: /bind (or /start@bot CODE) with a group invite, /unbind, /report
sent on to a private chat, and the group's own events (the bot added or removed, the group
turned into a supergroup). An unbound group hears how to bind once, then nothing."""

from __future__ import annotations

from telegram import ChatMemberRestricted, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus
from telegram.ext import ChatMemberHandler, CommandHandler, MessageHandler, filters

from handlers.common import load_member, reply
from handlers.context import Ctx, GridApp
from handlers.report import REPORT_PAYLOAD
from handlers.words import escape, level_name
from models import GridCell
from services.i18n import N_, Translator, translator
from services.members import (
    BindError,
    BindProblem,
    UnbindReason,
    bind_group,
    binding_for_chat,
    follow_migration,
    group_lost,
    mode_of,
    unbind_group,
)
from services.settings import GroupAlerts

GONE = frozenset({ChatMemberStatus.LEFT, ChatMemberStatus.BANNED})

BIND_PROBLEMS: dict[BindProblem, str] = {
    BindProblem.UNKNOWN: N_("This group invite is not valid. Check that you sent the whole code, "
                            "or ask a grid manager for a new one (/invite in a private chat "
                            "with me)."),
    BindProblem.EXPIRED: N_("This group invite has expired. Ask for a new one."),
    BindProblem.USED: N_("This group invite has already been used. Each works once; ask for a "
                         "new one."),
    BindProblem.NOT_GROUP: N_("This invite is for one person, not a group. Open it in a private "
                              "chat with me."),
    BindProblem.CELL_TAKEN: N_("{cell} already has a group chat. A manager must /unbind that "
                               "group first."),
    BindProblem.CHAT_TAKEN: N_("This group already serves {cell}. A manager of it can /unbind "
                               "first."),
    BindProblem.NOT_BOUND: N_("This group serves no grid cell."),
    BindProblem.NOT_ALLOWED: N_("Only a grid manager of {cell} (or an administrator) can unbind "
                                "this group."),
    BindProblem.NOT_MANAGER: N_("Only a grid manager of {cell} or of a cell above it (or an "
                                "administrator) can bind a group to {cell}: the group would see "
                                "reporters' names and photos. The code was not used; ask one of "
                                "them to send it here."),
}

HOW_TO_BIND = N_(
    "Hello! I post the alerts of one grid cell in a group and let its members act on them. "
    "To choose the cell, a grid manager of it (or an administrator) sends me /invite in a "
    "private chat, chooses “Group chat” and the cell, and sends the /bind command I give "
    "here. Until then I stay quiet."
)


def group_t(ctx: Ctx) -> Translator:
    """Groups read the bot in the configured default language (many people, one chat)."""
    return translator(ctx.deps.settings.locale.default)


def cell_name(cell: GridCell | None, t: Translator) -> str:
    if cell is None:
        return "?"
    return t("{name} ({level})", name=escape(cell.name), level=level_name(cell.level, t))


def bound_text(cell: GridCell, mode: GroupAlerts, t: Translator) -> str:
    name = cell_name(cell, t)
    text = t(
        "✅ This group now serves {cell}. I will post here:\n"
        "• new cases in {cell} and the cells below it\n"
        "• escalations that reach {cell}\n"
        "• supervision orders to {cell}\n"
        "• the daily digest of {cell}\n\n"
        "A button on a card acts as the person who presses it, with that person's own rights; "
        "steps that need typing continue in your private chat with me. An anonymous reporter "
        "is never named here. /report starts a report in private. A grid manager of the cell "
        "can /unbind.",
        cell=name,
    )
    if mode is GroupAlerts.INSTEAD:
        text += "\n" + t("Managers of {cell} get these alerts here instead of privately.",
                         cell=name)
    return text


async def on_bind(update: Update, ctx: Ctx) -> None:
    """/bind CODE or /start@bot CODE in a group; without a code, say what this group is."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    t = group_t(ctx)
    settings = ctx.deps.settings
    if not ctx.args:
        async with ctx.deps.sessions() as session:
            binding = await binding_for_chat(session, chat.id)
            cell = await session.get(GridCell, binding.cell_id) if binding else None
        if binding is None or cell is None:
            await reply(update, t(HOW_TO_BIND))
        else:
            await reply(update, bound_text(cell, mode_of(binding, settings), t))
        return
    member = await load_member(update, ctx)
    async with ctx.deps.sessions() as session:
        try:
            bound = await bind_group(session, ctx.args[0], chat_id=chat.id,
                                     title=chat.title or "", by=member)
            await session.commit()
            said = bound_text(bound.cell, mode_of(bound.binding, settings), t)
        except BindError as refused:
            said = t(BIND_PROBLEMS[refused.problem], cell=cell_name(refused.cell, t))
            await session.rollback()
    await reply(update, said)


async def on_unbind(update: Update, ctx: Ctx) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    t = group_t(ctx)
    member = await load_member(update, ctx)
    async with ctx.deps.sessions() as session:
        try:
            cell = await unbind_group(session, chat.id, member)
            await session.commit()
            said = t("This group no longer serves {cell}. I will post nothing more here.",
                     cell=cell_name(cell, t))
        except BindError as refused:
            said = t(BIND_PROBLEMS[refused.problem], cell=cell_name(refused.cell, t))
            await session.rollback()
    await reply(update, said)


async def on_group_report(update: Update, ctx: Ctx) -> None:
    """/report in a bound group: the steps go to the reporter's private chat (a deep link)."""
    chat = update.effective_chat
    if chat is None:
        return
    async with ctx.deps.sessions() as session:
        if await binding_for_chat(session, chat.id) is None:
            return  # an unbound group: quiet
    t = group_t(ctx)
    link = f"https://t.me/{ctx.bot.username}?start={REPORT_PAYLOAD}"
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(t("📷 Report in private"), url=link)]])
    await reply(update, t("To report a problem, continue in a private chat with me, so this "
                          "group is not flooded with the steps."), keyboard)


async def on_my_status(update: Update, ctx: Ctx) -> None:
    """The bot added to a group (say how to bind, if unbound) or removed (unbind, tell the
    cell's managers privately); a bot muted in its group counts as removed."""
    changed = update.my_chat_member
    if changed is None or changed.chat.type not in ("group", "supergroup"):
        return
    new, old = changed.new_chat_member, changed.old_chat_member
    muted = isinstance(new, ChatMemberRestricted) and not new.can_send_messages
    if new.status in GONE or muted:
        reason = UnbindReason.FORBIDDEN if muted else UnbindReason.REMOVED
        async with ctx.deps.sessions() as session:
            await group_lost(session, changed.chat.id, reason)
            await session.commit()
        return
    if old.status in GONE:
        async with ctx.deps.sessions() as session:
            binding = await binding_for_chat(session, changed.chat.id)
        if binding is None:
            await ctx.bot.send_message(changed.chat.id, group_t(ctx)(HOW_TO_BIND))


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
    async with ctx.deps.sessions() as session:
        await follow_migration(session, old, new)
        await session.commit()


def register(app: GridApp) -> None:
    groups = filters.ChatType.GROUPS
    app.add_handler(CommandHandler(("bind", "start"), on_bind, filters=groups))
    app.add_handler(CommandHandler("unbind", on_unbind, filters=groups))
    app.add_handler(CommandHandler("report", on_group_report, filters=groups))
    app.add_handler(ChatMemberHandler(on_my_status, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, on_migrate))
