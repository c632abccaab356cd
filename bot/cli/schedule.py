"""`gridpatrol sweep --now` and `gridpatrol digest --now`: the scheduled jobs' work run once by
hand, for a trial or a cron of its own (`--at` pretends another time)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime

from bot.runtime import with_sessions
from bot.runtime.chores import run_digests, run_sweep
from models.base import utcnow
from services.deadlines import SweepReport
from services.i18n import counted
from services.settings import Settings


def _moment(args: argparse.Namespace) -> datetime:
    if args.at:
        moment = datetime.fromisoformat(args.at)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return utcnow()


def cmd_sweep(settings: Settings, args: argparse.Namespace) -> int:
    now = _moment(args)
    report: SweepReport = with_sessions(settings, lambda s: run_sweep(s, settings, now))
    print(f"sweep at {now.isoformat()}: examined {report.examined}, reminders "
          f"{report.reminders}, escalations {report.escalations}, orders issued "
          f"{report.orders_issued}, orders escalated {report.orders_escalated}, orders resolved "
          f"{report.orders_resolved}, conflicts {report.conflicts}, drafts expired "
          f"{report.drafts_expired}")
    return 0


def cmd_digest(settings: Settings, args: argparse.Namespace) -> int:
    now = _moment(args)
    digests, summaries = with_sessions(
        settings, lambda s: run_digests(s, settings, now, args.member))
    print(f"digest at {now.isoformat()}: {counted(digests, 'digest', 'digests')} and "
          f"{counted(summaries, 'fortnightly summary', 'fortnightly summaries')} queued (a "
          "digest already queued today is not queued again)")
    return 0


def add_commands(add: Callable[..., argparse.ArgumentParser]) -> None:
    """`gridpatrol sweep --now` and `gridpatrol digest --now [--member ID]`."""
    for name, handler, help_text in (
        ("sweep", cmd_sweep, "remind, escalate and issue supervision orders for what is due"),
        ("digest", cmd_digest, "queue the daily digests (and fortnightly summaries due)"),
    ):
        command = add(name, handler, help_text)
        command.add_argument("--now", action="store_true", help="run now (the default)")
        command.add_argument("--at", help="pretend it is this ISO time (for trials)")
        if name == "digest":
            command.add_argument("--member", type=int, help="only this member id")
