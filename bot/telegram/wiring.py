"""The one place where every Telegram handler module registers (add one line to MODULES).

A module in MODULES has `register(app: GridApp) -> None` and may have
`COMMANDS: tuple[tuple[str, str], ...]` of (command, N_("description")) for the command menu.
"""

from __future__ import annotations

from types import ModuleType

from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.telegram import report
from handlers import (
    admin,
    cases,
    groups,
    help_book,
    ledger,
    order,
    start,
    supervision,
    throttle,
)
from handlers.common import answer_unclaimed_press, registration_gate
from handlers.context import GridApp

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



def add_handlers(app: GridApp) -> None:
    """Register the flood guard, the registration gate, then every module's handlers."""
    throttle.register(app)  # order.THROTTLE: before everything, so a flood costs nobody else
    app.add_handler(
        MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, registration_gate),
        group=order.GATE,
    )
    report.register_entries(app)  # /start report, /start ws-CODE: before the start command
    for module in MODULES:
        module.register(app)
    app.add_handler(CallbackQueryHandler(answer_unclaimed_press))  # last in group 0: leftovers
    app.add_handler(help_book.StrayMessages(start.on_other_message, app.handlers))  # leftovers
    app.bot_data[help_book.BOOK_KEY] = help_book.build(app.handlers, MODULES)


def menu_commands() -> list[tuple[str, str]]:
    """(command, untranslated description) for the command menu, in module order."""
    seen: dict[str, str] = {}
    for module in MODULES:
        for command, description in getattr(module, "COMMANDS", ()):
            seen.setdefault(command, description)
    return list(seen.items())
