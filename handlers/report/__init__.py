"""The report conversation, one thumb and under a minute: the turn that reads the reporter's
draft (`turn`), what each step shows (`views`), the answers it takes (`inputs`, `photos`), which
messages it claims and how it answers them (`conversation`), and the ways in from a group's
link or a poster (`entries`)."""

from handlers.report.conversation import COMMANDS, CONVERSATION, claims, converse
from handlers.report.entries import (
    POSTER_PAYLOAD,
    REPORT_PAYLOAD,
    from_poster,
    from_report_link,
    is_poster,
    is_report_link,
)
from handlers.report.views import main_keyboard, refusal

__all__ = [
    "COMMANDS",
    "CONVERSATION",
    "POSTER_PAYLOAD",
    "REPORT_PAYLOAD",
    "claims",
    "converse",
    "from_poster",
    "from_report_link",
    "is_poster",
    "is_report_link",
    "main_keyboard",
    "refusal",
]
