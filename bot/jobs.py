"""Scheduled work, registered in one place (`add_jobs`): the outbox drain, the deadline sweep
and the morning digest. Jobs carry no state: each opens its own session, asks the database what
is due, commits; the database is the schedule, so a restart loses nothing.
"""

from __future__ import annotations

import logging

from bot.runtime import holds_lease, lease_of, settle_dead_claims
from bot.runtime.chores import digest_clock, run_digests, run_sweep
from bot.telegram.context import Ctx, GridApp
from bot.telegram.outbox import drain_once
from models.base import utcnow
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


async def sweep_job(ctx: Ctx) -> None:
    """The sweep, in the lease holder only; it also settles sends of processes that died."""
    if not await holds_lease(ctx.bot_data):
        return
    report = await run_sweep(ctx.deps.sessions, ctx.deps.settings, utcnow(), ctx.deps.metrics)
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
    digests, summaries = await run_digests(ctx.deps.sessions, ctx.deps.settings, utcnow(),
                                           metrics=ctx.deps.metrics)
    log.info("digest: %d digests, %d summaries queued", digests, summaries)


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
