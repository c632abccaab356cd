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


RULES: dict[str, Uncertain] = {
    # a member's daily digest or period summary, and a bound group's digest
    "digest": Uncertain.ASSUME,
    "summary": Uncertain.ASSUME,
    # edits of cards already posted (services.card_refresh)
    "card_refresh": Uncertain.REDO,
    "group_card": Uncertain.REDO,
    # a reply card is recorded as sent by the handler that sent it; the outbox never sends one
    "case_card": Uncertain.ASSUME,
    # alerts and news about a case, and what a member must hear about themselves
    **{kind: Uncertain.REPEAT for kind in (
        "case_new", "case_dispatched", "case_check", "case_sent_back", "case_reopened",
        "case_accepted", "case_rectified", "case_closed", "case_rejected", "case_merged",
        "group_case", "case_news", "report_news", "reminder", "escalated", "handed_down",
        "supervision_order", "extension_requested", "extension_decided", "case_handed_over",
        "member_deactivated", "group_unbound", "draft_expired",
    )},
}
# A kind missing from the table (a new one, before it was added here) is repeated: a possible
# duplicate is the lesser harm for a notice nobody has thought about.
DEFAULT = Uncertain.REPEAT

REPEAT_LINE = N_("🔁 Sent again: the previous message may not have arrived.")
MAYBE_DUPLICATE = "maybe_duplicate"  # in Outbox.payload (and result once sent): a repeat
UNCERTAIN_REASON = "uncertain"  # in Outbox.payload of a repeat: how the first send ended


def rule_for(kind: str) -> Uncertain:
    """The rule for an uncertain send of this kind of notice."""
    return RULES.get(kind, DEFAULT)


def marked_as_repeat(text: str, t: Translator) -> str:
    """The notice's text under the line telling its reader it may be a second copy."""
    line = t(REPEAT_LINE)
    return f"{line}\n{text}" if text else line
