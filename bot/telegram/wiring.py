"""The one place where every Telegram handler is registered: each channel-neutral module of
handlers/ beside its Telegram side (add one line to MODULES).

A module in MODULES may have `COMMANDS: tuple[tuple[str, str], ...]` of (command,
N_("description")) for the command menu and /help; its Telegram side has
`register(app: GridApp) -> None`.
"""

from __future__ import annotations

from types import ModuleType

from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.telegram import admin as tg_admin
from bot.telegram import bulletins as tg_bulletins
from bot.telegram import campaigns as tg_campaigns
from bot.telegram import cases as tg_cases
from bot.telegram import conversations as tg_conversations
from bot.telegram import groups as tg_groups
from bot.telegram import help_book as tg_help_book
from bot.telegram import ledger as tg_ledger
from bot.telegram import link as tg_link
from bot.telegram import meetings as tg_meetings
from bot.telegram import orders as tg_orders
from bot.telegram import patrols as tg_patrols
from bot.telegram import problem_entry as tg_problem_entry
from bot.telegram import robots as tg_robots
from bot.telegram import start as tg_start
from bot.telegram import supervision as tg_supervision
from bot.telegram import throttle as tg_throttle
from bot.telegram.adapt import on
from bot.telegram.context import GridApp
from bot.telegram.inbound import CHANNEL
from bot.telegram.markup import deep_link
from handlers import (
    admin,
    bulletins,
    campaigns,
    cases,
    groups,
    ledger,
    link,
    meetings,
    order,
    orders,
    patrols,
    problem_entry,
    report,
    robots,
    start,
    supervision,
)
from handlers.deps import Deps
from handlers.people import gate, old_button

# Registration order is dispatch order within a group: the broad handlers come last.
MODULES: list[tuple[ModuleType, ModuleType]] = [
    (groups, tg_groups),  # group chats: /bind /unbind, bot added/removed, migration
    (admin, tg_admin),  # /invite /members /poster, their buttons (ad:...)
    (start, tg_start),
    (supervision, tg_supervision),  # deadline buttons (sv:...)
    (orders, tg_orders),  # supervision orders' buttons (od:...), /orders
    (bulletins, tg_bulletins),  # /bulletin: draft, issue, acknowledge (bl:...)
    (cases, tg_cases),  # case buttons (c:..., f:...), /case /open /mine
    (ledger, tg_ledger),  # /ledger: the 台账 spreadsheet
    (campaigns, tg_campaigns),  # /campaign: campaigns and their progress sheet
    (meetings, tg_meetings),  # /meeting: the fortnightly meeting's pack
    (problem_entry, tg_problem_entry),  # /problem: one problem entered (pb:...)
    (robots, tg_robots),  # /robot: a WeCom group's robot for the cell
    (link, tg_link),  # /link: this membership from another chat too
    (patrols, tg_patrols),  # /patrol (pt:...), and the moves of a live location (edits)
]
# For the menu and /help: the report's handler is the conversations' (registered after these).
NEUTRAL = [*(module for module, _ in MODULES), report]


def add_handlers(app: GridApp) -> None:
    """Register the flood guard, the registration gate, then every module's handlers."""
    tg_throttle.register(app)  # order.THROTTLE: before everything, so a flood costs nobody else
    app.add_handler(
        # Its answer (send /start first; your access was removed) ends the update.
        MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, on(gate, final=True)),
        group=order.GATE,
    )
    tg_conversations.register_warm(app)  # order.WARM: who is in which conversation
    for _, telegram_side in MODULES:
        telegram_side.register(app)
    # Broad (the report takes any message of someone with a draft): after every command.
    tg_conversations.register(app)
    app.add_handler(CallbackQueryHandler(on(old_button)))  # last in group 0: leftovers
    app.add_handler(tg_help_book.StrayMessages(on(start.on_other_message), app.handlers))
    deps: Deps = app.bot_data["deps"]
    deps.links[CHANNEL] = deep_link(app.bot)
    deps.book = tg_help_book.build(app.handlers, NEUTRAL)  # what /help lists


def menu_commands() -> list[tuple[str, str]]:
    """(command, untranslated description) for the command menu, in module order."""
    seen: dict[str, str] = {}
    for module in NEUTRAL:
        for command, description in getattr(module, "COMMANDS", ()):
            seen.setdefault(command, description)
    return list(seen.items())
