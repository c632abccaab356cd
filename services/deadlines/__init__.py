"""Deadlines that climb the grid: the clock of a stage (`clock`), the sweep that reminds and
escalates (`sweep`) with its set-wise reminders (`batch`), more time and hand-overs decided
above (`extensions`), and supervision bulletins (`supervision`; the orders are services.orders)."""

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
from services.deadlines.supervision import Bulletin, bulletin
from services.deadlines.sweep import BATCH_SIZE, sweep

__all__ = [
    "BATCH_SIZE",
    "COLOUR_LABELS",
    "DUE_COLUMNS",
    "STAGE_LABELS",
    "ActionResult",
    "Bulletin",
    "SweepReport",
    "bulletin",
    "colour_of",
    "contains",
    "decide_extension",
    "hand_down",
    "hand_down_target",
    "is_responsible",
    "may_hold",
    "plan_batch",
    "request_extension",
    "schedule_alarm",
    "start_stage",
    "sweep",
    "take_over",
]
