"""What the order conversations show: the demand and deadline choices, and the year's counts."""

from __future__ import annotations

from handlers.chat import Reply
from handlers.notices.orders import PREFIX
from handlers.words import escape
from services.i18n import Translator
from services.notices.card import Button
from services.orders import DEADLINE_DAYS, DEMANDS, OrderCounts

OWN = "own"  # the demand is the issuer's own words (asked next, kept in the PendingAction)


def demand_choice(case_id: int, number: str, t: Translator) -> Reply:
    rows = tuple((Button(t(text), f"{PREFIX}dm:{case_id}:{key}"),) for key, text in DEMANDS.items())
    return Reply(t("Supervision order on case {number}: what do you demand?",
                   number=escape(number)),
                 (*rows, (Button(t("✏️ Write my own"), f"{PREFIX}dm:{case_id}:{OWN}"),)))


def deadline_choice(case_id: int, key: str, demand: str, t: Translator) -> Reply:
    days = tuple(Button(t.n("{count} day", "{count} days", n), f"{PREFIX}dl:{case_id}:{key}:{n}")
                 for n in DEADLINE_DAYS)
    return Reply(t("Demand: {demand}\nBy when must it be done?", demand=escape(demand)),
                 (days, (Button(t("The current stage's full time"),
                                f"{PREFIX}dl:{case_id}:{key}:0"),)))


def submit_button(order_id: int, t: Translator) -> Button:
    return Button(t("Submit the answer"), f"{PREFIX}sub:{order_id}")


def counts_text(counts: OrderCounts, scope: str, t: Translator) -> str:
    return "\n".join([
        "<b>" + t("Supervision orders of {year}, {scope}", year=counts.year,
                  scope=escape(scope)) + "</b>",
        t.n("{count} order issued", "{count} orders issued", counts.issued),
        t("answered: {count}", count=counts.answered),
        t("accepted: {count}", count=counts.accepted),
        t("still open: {count}", count=counts.open),
    ])
