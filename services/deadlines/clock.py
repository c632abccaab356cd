"""The clock of a case's deadlines, and what the sweep, extensions and supervision share: when a
stage is due and its reminders fall, the colour of an escalation, who is chased, the source's
leader (the last two, and the levels a leader hears at, are services.orders.rights', re-exported
here). No sweep here (`services.deadlines.sweep` runs it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, Member, Severity, Stage
from services.i18n import N_
from services.notices.stakeholders import holders
from services.orders.rights import LEADER_LEVELS as LEADER_LEVELS
from services.orders.rights import contains as contains
from services.orders.rights import source_leader as source_leader
from services.settings import Settings

# Escalation colours by escalation level (1 yellow, 2 orange, 3 and more red).
COLOURS: dict[int, str] = {0: "", 1: "yellow", 2: "orange", 3: "red"}
RED_LEVEL = 3  # the escalation a case turns red at: the meeting goes over every red case
COLOUR_LABELS: dict[str, str] = {
    "": N_("no colour"),
    "yellow": N_("yellow"),
    "orange": N_("orange"),
    "red": N_("red"),
}
STAGE_LABELS: dict[str, str] = {
    Stage.ACCEPT: N_("acceptance"),
    Stage.PLAN: N_("rectification plan"),
    Stage.RECTIFY: N_("rectification"),
    Stage.CHECK: N_("check"),
}


def colour_of(level: int) -> str:
    """The colour code of an escalation level: "", "yellow", "orange" or "red"."""
    return COLOURS[min(max(level, 0), 3)]


def reminder_times(case: Case, settings: Settings) -> list[datetime]:
    """When the reminders of the current stage fall, in order (empty without a deadline)."""
    if case.due_at is None:
        return []
    start = case.stage_started_at or case.due_at
    span = case.due_at - start
    return [start + span * f for f in sorted(settings.deadlines.reminders_at)]


def schedule_alarm(case: Case, settings: Settings) -> datetime | None:
    """The next moment the sweep must look at the case: the next unsent reminder, else the due.

    The workflow calls this after it changes a deadline; None when nothing is being chased.
    """
    if case.stage is None or case.due_at is None or not case.is_open:
        return None
    times = reminder_times(case, settings)
    if case.reminders_sent < len(times):
        return times[case.reminders_sent]
    return case.due_at


def start_stage(
    case: Case, stage: Stage, settings: Settings, now: datetime, due: datetime | None = None
) -> None:
    """Start chasing `stage`: due after the configured time (or at `due`), reminders reset."""
    case.stage = stage
    case.stage_started_at = now
    case.due_at = due or now + settings.deadlines.allowed(stage, Severity(case.severity))
    case.reminders_sent = 0
    case.next_alarm_at = schedule_alarm(case, settings)


@dataclass
class SweepReport:
    """What one sweep did; the CLI prints it and the tests read it."""

    examined: int = 0
    reminders: int = 0
    escalations: int = 0
    orders_issued: int = 0
    orders_escalated: int = 0
    orders_resolved: int = 0
    conflicts: int = 0
    drafts_expired: int = 0  # reports in progress dropped after cases.draft_ttl (bot.jobs)


async def responsible_members(session: AsyncSession, case: Case) -> list[Member]:
    """Who is chased for a case: its assignee, else the managers of its cell (or above)."""
    return await holders(session, case)


@dataclass(frozen=True)
class ActionResult:
    """The answer of an action on a case: done, or refused with a reason (an untranslated msgid)."""

    ok: bool
    reason: str = ""
    case: Case | None = None

