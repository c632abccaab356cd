"""Deadlines that climb the grid: the clock of a stage (`clock`), the sweep that reminds and
escalates (`sweep`) with its set-wise reminders (`batch`), more time and hand-overs decided
above (`extensions`), and supervision orders (`supervision`; bulletins are services.bulletins)."""

from services.deadlines.batch import DUE_COLUMNS, plan_batch
from services.deadlines.clock import (
    COLOUR_LABELS,
    STAGE_LABELS,
    ActionResult,
    SweepReport,
    colour_of,
    contains,
    schedule_alarm,
    start_stage,
)
from services.deadlines.extensions import (
    decide_extension,
    hand_down,
    hand_down_target,
    is_responsible,
    may_hold,
    request_extension,
    take_over,
)
from services.deadlines.supervision import (
    acknowledge_order,
    issue_order,
    issue_order_by,
    may_issue,
    order_card_png,
    resolve_orders_for_case,
)
from services.deadlines.sweep import BATCH_SIZE, sweep

__all__ = [
    "BATCH_SIZE",
    "COLOUR_LABELS",
    "DUE_COLUMNS",
    "STAGE_LABELS",
    "ActionResult",
    "SweepReport",
    "acknowledge_order",
    "colour_of",
    "contains",
    "decide_extension",
    "hand_down",
    "hand_down_target",
    "is_responsible",
    "issue_order",
    "issue_order_by",
    "may_hold",
    "may_issue",
    "order_card_png",
    "plan_batch",
    "request_extension",
    "resolve_orders_for_case",
    "schedule_alarm",
    "start_stage",
    "sweep",
    "take_over",
]
