"""Words every view shares, with no chat in sight: safe HTML for user-typed text, and the names
of roles and grid levels in the reader's language."""

from __future__ import annotations

import html

from models import Role
from services.i18n import N_, Translator

ROLE_NAMES: dict[str, str] = {
    Role.VOLUNTEER: N_("volunteer"),
    Role.PATROLLER: N_("patroller"),
    Role.MANAGER: N_("grid manager"),
    Role.LEADER: N_("linked leader"),
    Role.SUPERVISOR: N_("supervisor"),
    Role.ADMIN: N_("administrator"),
}

# A handler failed: the apology every channel gives (the failure is logged).
SORRY = N_("Sorry, something went wrong on my side. Please try again in a moment.")
SORRY_PRESS = N_("Sorry, something went wrong on my side with that button. Press it again in "
                 "a moment, or send /help to see what you can do.")
START_FIRST = N_("Please send /start first, so I know who you are.")
DEACTIVATED = N_("Your access to the bot was ended by your grid office. If that is a mistake, "
                 "ask a grid manager for a new invite.")

LEVEL_NAMES: dict[str, str] = {
    "city": N_("city"),
    "county": N_("county"),
    "township": N_("township"),
    "village": N_("village"),
}


def escape(text: str) -> str:
    """User-typed text inside an HTML message."""
    return html.escape(text, quote=False)


def role_name(role: str, t: Translator) -> str:
    return t(ROLE_NAMES.get(role, role))


def level_name(level: str, t: Translator) -> str:
    return t(LEVEL_NAMES.get(level, level))
