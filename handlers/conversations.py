"""The conversations that hold a person between two messages, in the order they claim one
(handlers.engine): the reason asked for more time, an order's questions (a demand, an
answer's text and photos, a reason to send it back), then a case action's questions (which take
/cancel and /skip), then the report (broad: any message of someone with an open draft)."""

from handlers import cases, orders, report, supervision
from handlers.engine import Conversation

CONVERSATIONS: tuple[Conversation, ...] = (supervision.REASON, orders.CONVERSATION, cases.FLOW,
                                              report.CONVERSATION)
