"""A case in the chat: the buttons on its cards (`actions`), /case /open /mine (`commands`),
the short conversations some actions need (`flow`, its buttons and views), and the notices that
tell of a case (`notices`, `news`)."""

from handlers.cases.actions import COMMANDS, register

__all__ = ["COMMANDS", "register"]
