"""A module's routes (handlers.route) as PTB handlers: a command in a private chat (or in any
chat, for a route that says so), a press on any message whose data begins with the prefix."""

from __future__ import annotations

import re
from collections.abc import Iterable

from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.telegram.adapt import on
from bot.telegram.context import GridApp
from handlers.route import Route


def register_routes(app: GridApp, routes: Iterable[Route]) -> None:
    for route in routes:
        if route.command:
            app.add_handler(CommandHandler(
                route.command, on(route.run),
                filters=None if route.anywhere else filters.ChatType.PRIVATE))
        else:
            app.add_handler(CallbackQueryHandler(on(route.run),
                                                 pattern="^" + re.escape(route.prefix)))
