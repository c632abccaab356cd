"""The conversations that hold a person between two messages, in the order they claim one
(handlers.engine): a patrol's points (a live location, whatever else is open), the reason
asked for more time, an order's questions (a demand, an answer's text and photos, a reason to
send it back), a bulletin's opening or demands, then a case action's questions (which take
/cancel and /skip), then /problem's typed answers, then the report (broad: any message of
someone with an open draft)."""

from handlers import bulletins, cases, orders, patrols, problem_entry, report, supervision
from handlers.engine import Conversation

CONVERSATIONS: tuple[Conversation, ...] = (patrols.CONVERSATION, supervision.REASON,
                                           orders.CONVERSATION, bulletins.TEXT, cases.FLOW,
                                           problem_entry.ENTRY, report.CONVERSATION)
