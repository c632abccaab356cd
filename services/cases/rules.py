"""Who may move a case, and from which state: pure rules shared by the buttons and the workflow.

Buttons and transitions read the same table, so a button is never shown for an action the
workflow would refuse, and a forged button is refused for the same reason a real one would be.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from models import Case, CaseState, Member, Role
from services.i18n import N_, Translator


class Action(StrEnum):
    """The value is the short code carried in callback data."""

    ACCEPT = "acc"
    DISPATCH = "dsp"
    PLAN = "pln"
    CLAIM_FIX = "fix"
    CHECK = "chk"
    SEND_BACK = "bck"
    CLOSE = "cls"
    REJECT = "rej"
    REROUTE = "rrt"
    MERGE = "mrg"
    REOPEN = "rop"
    CONFIRM = "yes"
    NOT_FIXED = "no"


S = CaseState
FROM_STATES: dict[Action, frozenset[CaseState]] = {
    Action.ACCEPT: frozenset({S.SUBMITTED}),
    Action.DISPATCH: frozenset({S.ACCEPTED, S.DISPATCHED}),
    Action.PLAN: frozenset({S.ACCEPTED, S.DISPATCHED}),
    Action.CLAIM_FIX: frozenset({S.RECTIFYING}),
    Action.CHECK: frozenset({S.RECTIFIED}),
    Action.SEND_BACK: frozenset({S.RECTIFIED}),
    Action.CLOSE: frozenset({S.CHECKED}),
    Action.REJECT: frozenset({S.SUBMITTED, S.ACCEPTED, S.DISPATCHED}),
    Action.REROUTE: frozenset({S.SUBMITTED, S.ACCEPTED}),
    Action.MERGE: frozenset({S.SUBMITTED, S.ACCEPTED, S.DISPATCHED, S.RECTIFYING}),
    Action.REOPEN: frozenset({S.CLOSED, S.REJECTED}),
    Action.CONFIRM: frozenset({S.CLOSED}),
    Action.NOT_FIXED: frozenset({S.CLOSED}),
}

# The order buttons appear in.
BUTTON_ORDER: tuple[Action, ...] = (
    Action.ACCEPT,
    Action.PLAN,
    Action.DISPATCH,
    Action.CLAIM_FIX,
    Action.CHECK,
    Action.SEND_BACK,
    Action.CLOSE,
    Action.REJECT,
    Action.REROUTE,
    Action.MERGE,
    Action.REOPEN,
    Action.CONFIRM,
    Action.NOT_FIXED,
)

CASE_STAFF = frozenset({Role.MANAGER, Role.LEADER, Role.SUPERVISOR, Role.ADMIN})
REPORTER_ACTIONS = frozenset({Action.CONFIRM, Action.NOT_FIXED})
ASSIGNEE_ACTIONS = frozenset({Action.PLAN, Action.CLAIM_FIX})
CHECKER_ACTIONS = frozenset({Action.CHECK, Action.SEND_BACK})  # patrollers check on site too

STATE_LABELS: dict[str, str] = {
    S.SUBMITTED: N_("submitted, awaiting acceptance"),
    S.ACCEPTED: N_("accepted"),
    S.DISPATCHED: N_("dispatched"),
    S.RECTIFYING: N_("being rectified"),
    S.RECTIFIED: N_("fix claimed, awaiting check"),
    S.CHECKED: N_("checked, awaiting closing"),
    S.CLOSED: N_("closed"),
    S.REJECTED: N_("rejected"),
    S.MERGED: N_("merged"),
}

ACTION_LABELS: dict[Action, str] = {
    Action.ACCEPT: N_("Accept"),
    Action.DISPATCH: N_("Dispatch"),
    Action.PLAN: N_("Rectification plan"),
    Action.CLAIM_FIX: N_("Fixed (after-photo)"),
    Action.CHECK: N_("Fix confirmed"),
    Action.SEND_BACK: N_("Not fixed, send back"),
    Action.CLOSE: N_("Close the case"),
    Action.REJECT: N_("Reject"),
    Action.REROUTE: N_("Not ours: reroute"),
    Action.MERGE: N_("Duplicate: merge"),
    Action.REOPEN: N_("Reopen"),
    Action.CONFIRM: N_("Yes, it is fixed"),
    Action.NOT_FIXED: N_("No, not fixed"),
}


# The deadline a state is chased by; a state not here has none (checked waits for 销号).
CHASED_STAGE: dict[str, str] = {
    S.SUBMITTED: "accept",
    S.ACCEPTED: "plan",
    S.DISPATCHED: "plan",
    S.RECTIFYING: "rectify",
    S.RECTIFIED: "check",
}


def chased(state: str, stage: str | None) -> bool:
    """Whether a case in `state` is chased by the deadline of `stage` (a leftover is not)."""
    return stage is not None and CHASED_STAGE.get(state) == stage


def state_label(state: str, t: Translator) -> str:
    return t(STATE_LABELS.get(state, state))


class RefusalReason(StrEnum):
    NOT_FOUND = "not_found"
    NOT_MEMBER = "not_member"
    MOVED_ON = "moved_on"
    MERGED = "merged"
    NOT_YOUR_GRID = "not_your_grid"
    ROLE = "role"
    NOT_REPORTER = "not_reporter"
    REASON_REQUIRED = "reason_required"
    PLAN_INCOMPLETE = "plan_incomplete"
    DEADLINE_PAST = "deadline_past"
    PHOTO_REQUIRED = "photo_required"
    SAME_CHECKER = "same_checker"
    UNKNOWN_CELL = "unknown_cell"
    CELL_NOT_BELOW = "cell_not_below"
    UNKNOWN_MEMBER = "unknown_member"
    SAME_CELL = "same_cell"
    UNKNOWN_TARGET = "unknown_target"
    MERGE_SELF = "merge_self"
    TARGET_CLOSED = "target_closed"
    ANSWERED = "answered"


REFUSAL_TEXTS: dict[RefusalReason, str] = {
    RefusalReason.NOT_FOUND: N_("There is no case {number}."),
    RefusalReason.NOT_MEMBER: N_("Please send /start first, so I know who you are."),
    RefusalReason.MOVED_ON: N_(
        "Case {number} has moved on: it is now {state} (last change by {by})."),
    RefusalReason.MERGED: N_("Case {number} was merged into case {target}."),
    RefusalReason.NOT_YOUR_GRID: N_("Case {number} is not in your part of the grid."),
    RefusalReason.ROLE: N_("Your role cannot do this to case {number}."),
    RefusalReason.NOT_REPORTER: N_("Only the reporter of case {number} can answer this."),
    RefusalReason.REASON_REQUIRED: N_("A reason is required."),
    RefusalReason.PLAN_INCOMPLETE: N_(
        "A plan needs a task, steps, a responsible person and a deadline."
    ),
    RefusalReason.DEADLINE_PAST: N_("The deadline must be in the future."),
    RefusalReason.PHOTO_REQUIRED: N_("A fix needs an after-photo."),
    RefusalReason.SAME_CHECKER: N_(
        "The fix must be checked by someone other than the person who claimed it."
    ),
    RefusalReason.UNKNOWN_CELL: N_("There is no grid cell with the code {code}."),
    RefusalReason.CELL_NOT_BELOW: N_("{code} is not a grid cell below the case's cell."),
    RefusalReason.UNKNOWN_MEMBER: N_("There is no member named {name} in this part of the grid."),
    RefusalReason.SAME_CELL: N_("The case is already in {code}."),
    RefusalReason.UNKNOWN_TARGET: N_("There is no open case {target} to merge into."),
    RefusalReason.MERGE_SELF: N_("A case cannot be merged into itself."),
    RefusalReason.TARGET_CLOSED: N_("Case {target} is not open; merge into an open case."),
    RefusalReason.ANSWERED: N_("You have already answered about case {number}. Thank you."),
}


class WorkflowRefused(Exception):
    """A transition refused for a reason the actor is told; nothing was changed."""

    def __init__(self, reason: RefusalReason, **details: str) -> None:
        super().__init__(f"{reason}: {details}")
        self.reason = reason
        self.details = details

    def message(self, t: Translator) -> str:
        values = dict(self.details)
        if "state" in values:
            values["state"] = state_label(values["state"], t)
        if self.reason is RefusalReason.MOVED_ON and not values.get("by"):
            values["by"] = t("no one yet")
        text = REFUSAL_TEXTS[self.reason]
        needed = {"number", "state", "by", "target", "code", "name"}
        return t(text, **{k: values.get(k, "") for k in needed if "{" + k + "}" in text})


@dataclass(frozen=True)
class Scope:
    """What the rights depend on beyond the case and the member, loaded once per check."""

    case_cell_path: str
    actor_cell_path: str | None
    source_leader_id: int | None = None
    fixer_id: int | None = None
    reporter_ids: frozenset[int] = field(default_factory=frozenset)


def in_grid(member: Member, scope: Scope) -> bool:
    """The member's cell holds the case's cell, or they lead its source, or they see the whole
    grid (an administrator, a city-wide supervisor)."""
    if scope.source_leader_id is not None and member.id == scope.source_leader_id:
        return True
    if scope.actor_cell_path is None:
        return member.sees_whole_grid
    return scope.case_cell_path.startswith(scope.actor_cell_path)


def visible(member: Member, case: Case, scope: Scope) -> bool:
    """Members see their subtree (and their source); volunteers see their own cases only."""
    if member.id in scope.reporter_ids or member.id == case.assignee_id:
        return True
    return member.role in CASE_STAFF | {Role.PATROLLER} and in_grid(member, scope)


def refusal_for(action: Action, case: Case, member: Member, scope: Scope) -> RefusalReason | None:
    """Why `member` may not do `action` to `case` now, or None when they may.

    After visibility, the state is checked first so that a stale button says where the case
    went, not who may press it.
    """
    if not visible(member, case, scope):
        return RefusalReason.NOT_YOUR_GRID
    if case.state == CaseState.MERGED:
        return RefusalReason.MERGED
    if case.state not in FROM_STATES[action]:
        return RefusalReason.MOVED_ON
    if action in REPORTER_ACTIONS:
        return None if member.id in scope.reporter_ids else RefusalReason.NOT_REPORTER
    if action in ASSIGNEE_ACTIONS and member.id == case.assignee_id:
        return None
    allowed = CASE_STAFF | {Role.PATROLLER} if action in CHECKER_ACTIONS else CASE_STAFF
    if member.role not in allowed:
        return RefusalReason.ROLE
    if not in_grid(member, scope):
        return RefusalReason.NOT_YOUR_GRID
    if action in CHECKER_ACTIONS and scope.fixer_id is not None and member.id == scope.fixer_id:
        return RefusalReason.SAME_CHECKER
    return None


def legal_actions(case: Case, member: Member, scope: Scope) -> list[Action]:
    """The actions `member` may take on `case` now, in button order."""
    return [a for a in BUTTON_ORDER if refusal_for(a, case, member, scope) is None]


def staff_actions(case: Case) -> list[Action]:
    """The actions a staff member of the case's cell would have (for a group chat's buttons)."""
    return [
        a
        for a in BUTTON_ORDER
        if a not in REPORTER_ACTIONS and case.state in FROM_STATES[a]
    ]


_RELATIVE = re.compile(r"^\s*(\d{1,3})\s*(d|day|days|天|日)\s*$", re.IGNORECASE)
_DATE = re.compile(r"^\s*(?:(\d{4})[-/.年])?(\d{1,2})[-/.月](\d{1,2})日?\s*$")


def parse_deadline(text: str, now: datetime, timezone: str) -> datetime | None:
    """A plan's deadline as people type it: '2026-12-15', '12-15', '12月15日' (the end of that
    local day; a past month-day means next year) or '14d' / '14天' (from now). None otherwise."""
    relative = _RELATIVE.match(text)
    if relative:
        return now + timedelta(days=int(relative.group(1)))
    match = _DATE.match(text)
    if not match:
        return None
    zone = ZoneInfo(timezone)
    local_now = now.astimezone(zone)
    year = int(match.group(1)) if match.group(1) else local_now.year
    try:
        day = datetime(year, int(match.group(2)), int(match.group(3)), 23, 59, tzinfo=zone)
    except ValueError:
        return None
    if match.group(1) is None and day < local_now:
        day = day.replace(year=year + 1)
    return day.astimezone(UTC)
