"""A case in the chat: the buttons on its cards (`actions`), /case /open /mine (`commands`),
and the short conversations some actions need (`flow`, its buttons and views). What a notice
of a case shows is handlers.notices."""

from handlers.cases.actions import COMMANDS, register

__all__ = ["COMMANDS", "register"]
