"""The one place where every Telegram handler module registers (add one line to MODULES).

A module in MODULES has `register(app: GridApp) -> None` and may have
`COMMANDS: tuple[tuple[str, str], ...]` of (command, N_("description")) for the command menu.
"""

from __future__ import annotations

from types import ModuleType

from telegram import Update
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, MessageHandler, filters

from bot.telegram import admin as tg_admin
from bot.telegram import cases as tg_cases
from bot.telegram import groups as tg_groups
from bot.telegram import help_book as tg_help_book
from bot.telegram import ledger as tg_ledger
from bot.telegram import pending, report
from bot.telegram import start as tg_start
from bot.telegram import supervision as tg_supervision
from bot.telegram import throttle as tg_throttle
from bot.telegram.adapt import on
from bot.telegram.answer import give
from bot.telegram.context import Ctx, GridApp
from bot.telegram.inbound import CHANNEL, inbound_of
from bot.telegram.markup import deep_link
from handlers import (
    admin,
    cases,
    groups,
    ledger,
    order,
    start,
    supervision,
)
from handlers.deps import Deps
from handlers.people import gate, old_button

# Registration order is dispatch order within a group: put broad handlers last.
MODULES: list[ModuleType] = [
    groups,  # group chats: /bind /unbind, bot added/removed, migration
    admin,  # /invite /members /poster, their buttons (ad:...)
    start,
    supervision,  # deadline buttons (sv:...), /bulletin, the extension reason (order.REASON)
    cases,  # case buttons (c:...), /case /open /mine, plan/reason/photo conversations
    ledger,  # /ledger: the 台账 spreadsheet
    report,  # broad: claims private messages of people with an open draft; keep late
]

# A channel-neutral module's Telegram side (its COMMANDS stay in the module itself).
REGISTER: dict[ModuleType, ModuleType] = {
    groups: tg_groups,
    admin: tg_admin,
    cases: tg_cases,
    supervision: tg_supervision,
    start: tg_start,
    ledger: tg_ledger,
}


async def _gate(update: Update, ctx: Ctx) -> None:
    """The registration gate before every private command; its answer ends the update."""
    inbound = inbound_of(update, ctx.chat_data)
    if inbound is None:
        return
    answer = await gate(inbound, ctx.deps)
    if answer is not None:
        await give(update, ctx, answer)
        raise ApplicationHandlerStop


def add_handlers(app: GridApp) -> None:
    """Register the flood guard, the registration gate, then every module's handlers."""
    tg_throttle.register(app)  # order.THROTTLE: before everything, so a flood costs nobody else
    app.add_handler(
        MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, _gate),
        group=order.GATE,
    )
    pending.register(app)  # who is in a button's conversation, before the handlers check
    report.register_entries(app)  # /start report, /start ws-CODE: before the start command
    for module in MODULES:
        REGISTER.get(module, module).register(app)
    app.add_handler(CallbackQueryHandler(on(old_button)))  # last in group 0: leftovers
    app.add_handler(tg_help_book.StrayMessages(on(start.on_other_message), app.handlers))
    deps: Deps = app.bot_data["deps"]
    deps.links[CHANNEL] = deep_link(app.bot)
    deps.book = tg_help_book.build(app.handlers, MODULES)  # what /help lists


def menu_commands() -> list[tuple[str, str]]:
    """(command, untranslated description) for the command menu, in module order."""
    seen: dict[str, str] = {}
    for module in MODULES:
        for command, description in getattr(module, "COMMANDS", ()):
            seen.setdefault(command, description)
    return list(seen.items())
