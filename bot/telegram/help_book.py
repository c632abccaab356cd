"""The Telegram side of /help's book (handlers.help_book): which commands the application has
registered for a private chat, read from PTB's own handlers and their filters, and the handler
of the private messages no other handler takes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

from telegram import Chat, Message, Update, User
from telegram.ext import CommandHandler, MessageHandler, filters

from handlers.help_book import Entry, book_of, described


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
    """The book of the registered private commands, described by the modules."""
    modules = list(modules)
    return book_of(private_commands(handlers, described(modules)), modules)


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
