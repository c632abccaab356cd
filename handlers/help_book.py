"""What /help lists: every command the application has registered for a private chat, with the
description its module gives it and the roles its module allows, read from the application
itself so the list cannot drift from what the bot answers.

A module may declare `COMMAND_ROLES: dict[str, frozenset[str]]` for commands only some roles
may use; a command not named there is for everyone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

from telegram import Chat, Message, Update, User
from telegram.ext import CommandHandler, MessageHandler, filters

BOOK_KEY = "help_book"


@dataclass(frozen=True)
class Entry:
    command: str
    description: str  # untranslated (N_), as in the module's COMMANDS
    roles: frozenset[str] | None  # None: every role


def _sample(command: str) -> Update:
    """What a private chat sends for `/command` (for the handlers' own filters to judge)."""
    chat = Chat(id=1, type=Chat.PRIVATE)
    message = Message(message_id=1, date=datetime(2026, 1, 1, tzinfo=UTC), chat=chat,
                      from_user=User(id=1, first_name="help", is_bot=False), text=f"/{command}")
    return Update(update_id=1, message=message)


CONTROL = "no_such_command"  # a handler that takes this takes any message (a gate, a guard)


def _takes(handler: Any, command: str) -> bool:
    if isinstance(handler, CommandHandler):  # its own check wants an initialised bot
        return command in handler.commands and bool(handler.filters.check_update(
            _sample(command)))
    return bool(handler.check_update(_sample(command)))


def private_commands(handlers: dict[int, list[Any]], candidates: Iterable[str] = ()) -> list[str]:
    """Commands some registered handler takes in a private chat: every CommandHandler's, and
    the `candidates` a handler of its own kind (the report conversation's) takes."""
    found: list[str] = []
    for group in sorted(handlers):
        for handler in handlers[group]:
            if not isinstance(handler, CommandHandler) and _takes(handler, CONTROL):
                continue
            names = sorted(handler.commands) if isinstance(handler, CommandHandler) else [
                c for c in candidates]
            found += [c for c in names if c not in found and _takes(handler, c)]
    return found


def build(handlers: dict[int, list[Any]], modules: Iterable[ModuleType]) -> list[Entry]:
    """The book: the registered private commands, in the modules' order of description.

    A registered command no module describes is listed last, with an empty description (a
    test holds that none is)."""
    described: dict[str, str] = {}
    roles: dict[str, frozenset[str]] = {}
    for module in modules:
        for command, description in getattr(module, "COMMANDS", ()):
            described.setdefault(command, description)
        roles.update(getattr(module, "COMMAND_ROLES", {}))
    registered = private_commands(handlers, described)
    order = [c for c in described if c in registered] + [c for c in registered
                                                         if c not in described]
    return [Entry(c, described.get(c, ""), roles.get(c)) for c in order]


class StrayMessages(MessageHandler[Any, None]):
    """Private messages no one else takes (register it last in its group): a command some
    handler registered later takes is not stray."""

    def __init__(self, callback: Any, handlers: dict[int, list[Any]]) -> None:
        super().__init__(
            filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & ~filters.StatusUpdate.ALL,
            callback)
        self.all_handlers = handlers

    def check_update(self, update: object) -> Any:
        if not isinstance(update, Update):
            return None
        taken = any(isinstance(h, CommandHandler) and h.check_update(update)
                    for group in self.all_handlers.values() for h in group)
        return None if taken else super().check_update(update)


def for_role(book: list[Entry], role: str) -> list[Entry]:
    return [e for e in book if e.roles is None or role in e.roles]
