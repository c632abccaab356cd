"""What becomes of a notice whose send may have arrived but was not confirmed (a timeout, a
connection lost after the request went out, a sender that died mid-send), per kind: nobody has
to look at it, and the rule says which mistake is worth making for that kind.

ASSUME: taken as delivered, never a second copy (a digest twice is noise, a missed one is
replaced by tomorrow's). REDO: done again, because doing it twice changes nothing (an edit of a
card we posted). REPEAT: sent once more after `outbox.repeat_after`, under a line saying it
may be a second copy (a case alert is worth a duplicate; silence is worse).
"""

from __future__ import annotations

from enum import StrEnum

from services.i18n import N_, Translator


class Uncertain(StrEnum):
    ASSUME = "assume"
    REDO = "redo"
    REPEAT = "repeat"


# A kind without a rule of its own (a new one, before anyone thought about it) is repeated: a
# possible duplicate is the lesser harm. Each kind's rule is its UNCERTAIN (services/notices/
# kinds.py).
DEFAULT = Uncertain.REPEAT

REPEAT_LINE = N_("🔁 Sent again: the previous message may not have arrived.")
MAYBE_DUPLICATE = "maybe_duplicate"  # in Outbox.result once a repeat is sent


def marked_as_repeat(text: str, t: Translator) -> str:
    """The notice's text under the line telling its reader it may be a second copy."""
    line = t(REPEAT_LINE)
    return f"{line}\n{text}" if text else line
