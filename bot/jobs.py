"""Scheduled work, registered in one place (`add_jobs`): the outbox drain, the deadline sweep
and the morning digest. Jobs carry no state: each opens its own session, asks the database what
is due, commits; the database is the schedule, so a restart loses nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError

from bot.runtime import holds_lease, lease_of, settle_dead_claims
from bot.telegram.context import Ctx, GridApp
from bot.telegram.outbox import drain_once
from models.base import utcnow
from models.db import SessionFactory
from services.deadlines import SweepReport, sweep
from services.digests import queue_digests
from services.pending import drop_lapsed
from services.reports import expire_drafts
from services.settings import Settings

log = logging.getLogger(__name__)

OUTBOX_JOB = "outbox"
MISFIRE_GRACE_SECONDS = 30
SWEEP_JOB = "deadline-sweep"
DIGEST_JOB = "daily-digest"
SWEEP_GRACE_SECONDS = 120  # a sweep late by a busy loop still runs (APScheduler's default is 1 s)
DIGEST_GRACE_SECONDS = 3 * 3600  # a bot started at 08:30 still sends the 08:00 digest


async def outbox_job(ctx: Ctx) -> None:
    """Send what the outbox holds; a failure is logged by the error handler, the job repeats."""
    await drain_once(ctx.application, ctx.deps)  # its sends are awaited by a graceful stop


async def run_sweep(sessions: SessionFactory, settings: Settings, now: datetime) -> SweepReport:
    report = await sweep(sessions, settings, now)
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


def add_jobs(app: GridApp) -> None:
    """Every repeating job: the outbox drain, the sweep every schedule.sweep_interval, and the
    digest daily at schedule.digest_time."""
    if app.job_queue is None:
        raise RuntimeError("the job queue is missing: install python-telegram-bot[job-queue]")
    settings: Settings = app.bot_data["deps"].settings
    app.job_queue.run_repeating(
        outbox_job,
        interval=settings.schedule.outbox_interval,
        first=0.5,
        name=OUTBOX_JOB,
        job_kwargs={"misfire_grace_time": MISFIRE_GRACE_SECONDS, "coalesce": True},
    )
    app.job_queue.run_repeating(
        sweep_job, interval=settings.schedule.sweep_interval, first=5, name=SWEEP_JOB,
        job_kwargs={"misfire_grace_time": SWEEP_GRACE_SECONDS, "coalesce": True},
    )
    app.job_queue.run_daily(
        digest_job, time=digest_clock(settings), name=DIGEST_JOB,
        job_kwargs={"misfire_grace_time": DIGEST_GRACE_SECONDS, "coalesce": True},
    )
