"""Patrols (巡库 / 巡河) in the chat: `/patrol`, its buttons (pt:...), the points of a shared
live location, and what the patroller is shown at the end."""

from handlers.patrols.flow import (
    COMMAND_ROLES,
    COMMANDS,
    CONVERSATION,
    PREFIX,
    ROUTES,
    on_location,
    on_patrol,
    on_press,
    patrol_key,
)
from handlers.patrols.views import summary, verdict_line

__all__ = [
    "COMMANDS",
    "COMMAND_ROLES",
    "CONVERSATION",
    "PREFIX",
    "ROUTES",
    "on_location",
    "on_patrol",
    "on_press",
    "patrol_key",
    "summary",
    "verdict_line",
]
