"""Notices: every kind typed (`kinds`), the one writer of outbox rows (`queue`), the rule for
an uncertain send, and which sent messages are cards of a case (`card_refresh`). Who hears of
a case's move is `services.notices.stakeholders`; rendering and sending are the program's
(handlers/notices/table.py, bot/outbox/)."""

from services.notices.kinds import KINDS, RULES, Notice, dump, load, load_as, rule_for
from services.notices.queue import (
    Target,
    outbox_counts,
    outbox_row,
    queue,
    queue_many,
    record_sent,
    requeue,
)
from services.notices.rules import Uncertain

__all__ = [
    "KINDS",
    "RULES",
    "Notice",
    "Target",
    "Uncertain",
    "dump",
    "load",
    "load_as",
    "outbox_counts",
    "outbox_row",
    "queue",
    "queue_many",
    "record_sent",
    "requeue",
    "rule_for",
]
