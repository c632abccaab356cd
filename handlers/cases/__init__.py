"""A case in the chat: the buttons on its cards (`actions`), /case /open /mine (`commands`),
and the short conversations some actions need (`flow`, its buttons and views), in no chat's
terms (bot/telegram/cases.py is their Telegram side). What a notice of a case shows is
handlers.notices."""

from handlers.cases.actions import BUTTON_PREFIX, COMMANDS, on_button
from handlers.cases.commands import case_command, mine_command, open_command
from handlers.cases.flow import FLOW
from handlers.cases.flow_buttons import on_press
from handlers.cases.flow_views import PREFIX as FLOW_PREFIX
from handlers.route import Route

ROUTES = (
    Route(on_button, prefix=BUTTON_PREFIX),
    Route(on_press, prefix=f"{FLOW_PREFIX}:"),
    Route(case_command, command="case"),
    Route(open_command, command="open"),
    Route(mine_command, command="mine"),
)

__all__ = ["BUTTON_PREFIX", "COMMANDS", "FLOW", "FLOW_PREFIX", "ROUTES", "case_command",
           "mine_command", "on_button", "on_press", "open_command"]
