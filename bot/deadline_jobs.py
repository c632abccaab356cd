"""The deadline sweep and the morning digest as jobs, and as `gridpatrol sweep|digest --now`.

Jobs carry no state: each opens its own session, asks the database what is due, commits.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError

from bot.cli_db import with_sessions
from bot.lease import holds_lease, lease_of, settle_dead_claims
from handlers.context import Ctx, GridApp
from models.base import utcnow
from models.db import SessionFactory
from services.deadlines import SweepReport, sweep
from services.digest_text import queue_digests
from services.drafts import expire_drafts
from services.i18n import counted
from services.pending import drop_lapsed
from services.settings import Settings

log = logging.getLogger(__name__)

SWEEP_JOB = "deadline-sweep"
DIGEST_JOB = "daily-digest"
SWEEP_GRACE_SECONDS = 120  # a sweep late by a busy loop still runs (APScheduler's default is 1 s)
DIGEST_GRACE_SECONDS = 3 * 3600  # a bot started at 08:30 still sends the 08:00 digest


async def run_sweep(sessions: SessionFactory, settings: Settings, now: datetime) -> SweepReport:
    async with sessions() as session:
        report = await sweep(session, settings, now)
    async with sessions() as session:  # reports left untouched too long: dropped, with a word
        report.drafts_expired = len(await expire_drafts(
            session, now, settings.cases.draft_ttl, settings.photos_dir))
        await drop_lapsed(session, now)
        await session.commit()
    return report


async def run_digests(
    sessions: SessionFactory, settings: Settings, now: datetime, member_id: int | None = None
) -> tuple[int, int]:
    """Queue the digests and summaries; a second process that raced us finds them queued."""
    async with sessions() as session:
        try:
            counts = await queue_digests(session, settings, now, member_id)
            await session.commit()
            return counts
        except IntegrityError:
            await session.rollback()
            log.info("digest: another process queued today's digests first")
            return (0, 0)


async def sweep_job(ctx: Ctx) -> None:
    """The sweep, in the lease holder only; it also settles sends of processes that died."""
    if not await holds_lease(ctx.bot_data):
        return
    report = await run_sweep(ctx.deps.sessions, ctx.deps.settings, utcnow())
    if report.examined:
        log.info("sweep: %s", report)
    lease = lease_of(ctx.bot_data)
    if lease is not None:
        settled = await settle_dead_claims(ctx.deps.sessions, lease, at_start=False)
        if settled:
            log.warning("%d notices of a stopped process were left sending; marked uncertain",
                        settled)


async def digest_job(ctx: Ctx) -> None:
    if not await holds_lease(ctx.bot_data):
        log.info("digest: another process holds the lease and sends the digests")
        return
    digests, summaries = await run_digests(ctx.deps.sessions, ctx.deps.settings, utcnow())
    log.info("digest: %d digests, %d summaries queued", digests, summaries)


def digest_clock(settings: Settings) -> time:
    """schedule.digest_time ("08:00") in the configured timezone."""
    hours, minutes = (int(part) for part in settings.schedule.digest_time.split(":"))
    return time(hours, minutes, tzinfo=ZoneInfo(settings.locale.timezone))


def add_deadline_jobs(app: GridApp) -> None:
    """The sweep every schedule.sweep_interval, and the digest daily at schedule.digest_time."""
    assert app.job_queue is not None
    settings: Settings = app.bot_data["deps"].settings
    app.job_queue.run_repeating(
        sweep_job, interval=settings.schedule.sweep_interval, first=5, name=SWEEP_JOB,
        job_kwargs={"misfire_grace_time": SWEEP_GRACE_SECONDS, "coalesce": True},
    )
    app.job_queue.run_daily(
        digest_job, time=digest_clock(settings), name=DIGEST_JOB,
        job_kwargs={"misfire_grace_time": DIGEST_GRACE_SECONDS, "coalesce": True},
    )


# -- CLI ----------------------------------------------------------------------------------------


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
