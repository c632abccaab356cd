"""Deadlines that climb the grid: the clock of a stage (`clock`), the sweep that reminds and
escalates (`sweep`) with its set-wise reminders (`batch`), more time and hand-overs decided
above (`extensions`); supervision orders are services.orders, bulletins services.bulletins."""

from services.deadlines.batch import DUE_COLUMNS, plan_batch
from services.deadlines.clock import (
    COLOUR_LABELS,
    RED_LEVEL,
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
from services.deadlines.sweep import BATCH_SIZE, sweep

__all__ = [
    "BATCH_SIZE",
    "COLOUR_LABELS",
    "DUE_COLUMNS",
    "RED_LEVEL",
    "STAGE_LABELS",
    "ActionResult",
    "SweepReport",
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
