"""What changes a case: a finished draft filed as a case (`intake`, reaching everyone at once for
an emergency: `emergency`), a problem from a list filed as one (`listed`) and the state
machine's transitions (`transitions`, the ways out in `exits`; the machinery every transition
shares, and `attempt`, the unit of work that commits them, in `step`)."""

from services.workflow.emergency import Reached, reached_for
from services.workflow.exits import add_evidence, answer_fixed, merge, reject, reopen, reroute
from services.workflow.listed import ListedProblem, file_listed_problem
from services.workflow.step import LostRace, Outcome, Plan, attempt, moved_on
from services.workflow.transitions import (
    accept,
    check,
    claim_fix,
    close,
    dispatch,
    plan,
    record_after_photo,
    send_back,
)

__all__ = [
    "ListedProblem",
    "LostRace",
    "Outcome",
    "Plan",
    "Reached",
    "accept",
    "add_evidence",
    "answer_fixed",
    "attempt",
    "check",
    "claim_fix",
    "close",
    "dispatch",
    "file_listed_problem",
    "merge",
    "moved_on",
    "plan",
    "reached_for",
    "record_after_photo",
    "reject",
    "reopen",
    "reroute",
    "send_back",
]
