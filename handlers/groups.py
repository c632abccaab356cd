"""The bot in group chats, in any channel: /bind (or /start@bot CODE) with a group invite,
/unbind, /report sent on to a private chat, and the group's own events (the bot added or
removed, the group's id changed). An unbound group hears how to bind once, then nothing. Which
updates are which is the channel's business (bot/telegram/groups.py on Telegram)."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.chat import Answer, Inbound, Reply
from handlers.deps import Deps
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
    find_member,
    follow_migration,
    group_lost,
    mode_of,
    unbind_group,
)
from services.settings import GroupAlerts

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


def group_t(deps: Deps) -> Translator:
    """Groups read the bot in the configured default language (many people, one chat)."""
    return translator(deps.settings.locale.default)


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


async def on_bind(inbound: Inbound, deps: Deps, *, title: str = "") -> Answer:
    """/bind CODE or /start@bot CODE in a group (`title`: the group's name, as the channel
    tells it); without a code, say what this group is."""
    t = group_t(deps)
    settings = deps.settings
    chat_id = inbound.who.chat_id
    async with deps.sessions() as session:
        if not inbound.args:
            binding = await binding_for_chat(session, chat_id)
            cell = await session.get(GridCell, binding.cell_id) if binding else None
            if binding is None or cell is None:
                return Answer([Reply(t(HOW_TO_BIND))])
            return Answer([Reply(bound_text(cell, mode_of(binding, settings), t))])
        member = await find_member(session, inbound.who.channel, inbound.who.user_id)
        try:
            bound = await bind_group(session, inbound.args[0], chat_id=chat_id, title=title,
                                     by=member)
            await session.commit()
            said = bound_text(bound.cell, mode_of(bound.binding, settings), t)
        except BindError as refused:
            said = t(BIND_PROBLEMS[refused.problem], cell=cell_name(refused.cell, t))
            await session.rollback()
    return Answer([Reply(said)])


async def on_unbind(inbound: Inbound, deps: Deps) -> Answer:
    t = group_t(deps)
    async with deps.sessions() as session:
        member = await find_member(session, inbound.who.channel, inbound.who.user_id)
        try:
            cell = await unbind_group(session, inbound.who.chat_id, member)
            await session.commit()
            said = t("This group no longer serves {cell}. I will post nothing more here.",
                     cell=cell_name(cell, t))
        except BindError as refused:
            said = t(BIND_PROBLEMS[refused.problem], cell=cell_name(refused.cell, t))
            await session.rollback()
    return Answer([Reply(said)])


@dataclass(frozen=True)
class GoPrivate:
    """A text with one button that opens the private chat with the bot at `payload`: the
    channel makes the link (only it knows how to reach its bot)."""

    text: str
    label: str
    payload: str


async def on_group_report(inbound: Inbound, deps: Deps) -> GoPrivate | None:
    """/report in a bound group: the steps go to the reporter's private chat (a deep link);
    None in an unbound group, which stays quiet."""
    async with deps.sessions() as session:
        if await binding_for_chat(session, inbound.who.chat_id) is None:
            return None
    t = group_t(deps)
    return GoPrivate(t("To report a problem, continue in a private chat with me, so this "
                       "group is not flooded with the steps."),
                     t("📷 Report in private"), REPORT_PAYLOAD)


async def bot_left(deps: Deps, chat_id: str, *, muted: bool = False) -> None:
    """The bot was removed from the group (or muted in it, which counts as removed): the
    group is unbound and the cell's managers are told privately."""
    reason = UnbindReason.FORBIDDEN if muted else UnbindReason.REMOVED
    async with deps.sessions() as session:
        await group_lost(session, chat_id, reason)
        await session.commit()


async def bot_joined(deps: Deps, chat_id: str) -> Reply | None:
    """The bot was added to a group: how to bind it, if it serves no cell yet."""
    async with deps.sessions() as session:
        binding = await binding_for_chat(session, chat_id)
    return Reply(group_t(deps)(HOW_TO_BIND)) if binding is None else None


async def migrated(deps: Deps, old_chat_id: str, new_chat_id: str) -> None:
    """The group's id changed (a Telegram group became a supergroup): the binding follows."""
    async with deps.sessions() as session:
        await follow_migration(session, old_chat_id, new_chat_id)
        await session.commit()
