"""Supervision orders (督办单): issued on a slow case with a number, a demand and a deadline
(`issuing`), acknowledged and answered by the target, accepted or sent back by the issuer
(`answers`), resolved with the case or lifted a level at their deadline (`sweep`), counted per
year (`counts`), drawn as an image card (`card`) and written as a Word file (`document`); who
may do what is `rights`."""

from services.orders.answers import (
    acknowledge_order,
    answer_order,
    decide_order,
    deciders,
    discard_order_photos,
    may_answer_order,
    record_order_photo,
)
from services.orders.card import order_card_png
from services.orders.counts import OrderCounts, order_counts, year_bounds
from services.orders.document import (
    ORDER_STATE_LABELS,
    AnswerLine,
    OrderDocument,
    build_docx,
    docx_bytes,
    docx_name,
    gather,
    order_docx,
)
from services.orders.issuing import (
    DEADLINE_DAYS,
    DEMANDS,
    default_deadline,
    issue_order,
    issue_order_by,
    notify_target,
    preset_demand,
)
from services.orders.rights import (
    ANSWERABLE_STATES,
    CLIMBING_STATES,
    ISSUERS,
    OPEN_ORDER_STATES,
    OrderResult,
    may_answer,
    may_issue,
)
from services.orders.sweep import OrdersSwept, resolve_orders_for_case, sweep_orders

__all__ = [
    "ANSWERABLE_STATES",
    "CLIMBING_STATES",
    "DEADLINE_DAYS",
    "DEMANDS",
    "ISSUERS",
    "OPEN_ORDER_STATES",
    "ORDER_STATE_LABELS",
    "AnswerLine",
    "OrderCounts",
    "OrderDocument",
    "OrderResult",
    "OrdersSwept",
    "acknowledge_order",
    "answer_order",
    "build_docx",
    "decide_order",
    "deciders",
    "default_deadline",
    "discard_order_photos",
    "docx_bytes",
    "docx_name",
    "gather",
    "issue_order",
    "issue_order_by",
    "may_answer",
    "may_answer_order",
    "may_issue",
    "notify_target",
    "order_card_png",
    "order_counts",
    "order_docx",
    "preset_demand",
    "record_order_photo",
    "resolve_orders_for_case",
    "sweep_orders",
    "year_bounds",
]
