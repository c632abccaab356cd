"""Supervision orders (督办单) in the chat, in no chat's terms: issuing from the case card (a
demand, then a deadline), the order's buttons (acknowledge, answer, submit, accept, send back,
the Word file: `buttons`), the messages its questions wait for (`talk`), and /orders
(`commands`). Button data: "od:<action>:<id>[:...]"; the states are services.orders'."""

from handlers import pending
from handlers.engine import Conversation
from handlers.orders.buttons import on_button
from handlers.orders.commands import ORDERS_ROLES, on_orders
from handlers.orders.talk import claims, converse
from handlers.route import Route
from services.i18n import N_

PREFIX = "od:"
COMMANDS: tuple[tuple[str, str], ...] = (
    ("orders", N_("Supervision orders of a year: issued, answered, open")),
)
COMMAND_ROLES = {"orders": ORDERS_ROLES}
CONVERSATION = Conversation("supervision order", claims=claims, converse=converse,
                            warm=pending.warm)
ROUTES = (
    Route(on_button, prefix=PREFIX),
    Route(on_orders, command="orders"),
)

__all__ = ["COMMANDS", "COMMAND_ROLES", "CONVERSATION", "PREFIX", "ROUTES", "on_button",
           "on_orders"]
