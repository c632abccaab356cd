"""What /help lists: the commands a channel takes in a private chat, with the description its
module gives them and the roles its module allows. The channel's adapter reads which commands
it registered (bot/telegram/help_book.py) and puts the book in `Deps.book`, so the list cannot
drift from what the bot answers.

A module may declare `COMMAND_ROLES: dict[str, frozenset[str]]` for commands only some roles
may use; a command not named there is for everyone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class Entry:
    command: str
    description: str  # untranslated (N_), as in the module's COMMANDS
    roles: frozenset[str] | None  # None: every role


def described(modules: Iterable[ModuleType]) -> dict[str, str]:
    """Command -> untranslated description, in the modules' order (the first one wins)."""
    found: dict[str, str] = {}
    for module in modules:
        for command, description in getattr(module, "COMMANDS", ()):
            found.setdefault(command, description)
    return found


def book_of(registered: Iterable[str], modules: Iterable[ModuleType]) -> list[Entry]:
    """The book: the `registered` private commands, in the modules' order of description.

    A registered command no module describes is listed last, with an empty description (a
    test holds that none is)."""
    modules = list(modules)
    registered = list(registered)
    descriptions = described(modules)
    roles: dict[str, frozenset[str]] = {}
    for module in modules:
        roles.update(getattr(module, "COMMAND_ROLES", {}))
    order = [c for c in descriptions if c in registered] + [c for c in registered
                                                            if c not in descriptions]
    return [Entry(c, descriptions.get(c, ""), roles.get(c)) for c in order]


def for_role(book: list[Entry], role: str) -> list[Entry]:
    return [e for e in book if e.roles is None or role in e.roles]
