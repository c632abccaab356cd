"""Patrols (巡库 / 巡河) in the chat: `/patrol`, its buttons (pt:...), the points of a shared
live location, and what the patroller is shown at the end (`flow`, `views`); `/patrols`, the
recent patrols one may look over (`lists`)."""

from handlers.patrols import flow
from handlers.patrols.flow import (
    CONVERSATION,
    PATROL_ROLES,
    PREFIX,
    on_location,
    on_patrol,
    on_press,
    patrol_key,
)
from handlers.patrols.lists import on_patrols
from handlers.patrols.views import summary, verdict_line
from handlers.route import Route
from services.i18n import N_

COMMANDS: tuple[tuple[str, str], ...] = (
    *flow.COMMANDS,
    ("patrols", N_("The patrols of the last 30 days, with their time, length and verdict")),
)
COMMAND_ROLES = {**flow.COMMAND_ROLES, "patrols": PATROL_ROLES}
ROUTES = (*flow.ROUTES, Route(on_patrols, command="patrols"))

__all__ = [
    "COMMANDS",
    "COMMAND_ROLES",
    "CONVERSATION",
    "PREFIX",
    "ROUTES",
    "on_location",
    "on_patrol",
    "on_patrols",
    "on_press",
    "patrol_key",
    "summary",
    "verdict_line",
]
