"""Scheduled work, registered in one place (`add_jobs`); jobs carry no state of their own."""

from __future__ import annotations

from bot.deadline_jobs import add_deadline_jobs
from bot.outbox import drain_once
from handlers.context import Ctx, GridApp

OUTBOX_JOB = "outbox"
MISFIRE_GRACE_SECONDS = 30


async def outbox_job(ctx: Ctx) -> None:
    """Send what the outbox holds; a failure is logged by the error handler, the job repeats."""
    await drain_once(ctx.application, ctx.deps)  # its sends are awaited by a graceful stop


def add_jobs(app: GridApp) -> None:
    """Every repeating job; the database is the schedule, so a restart loses nothing."""
    if app.job_queue is None:
        raise RuntimeError("the job queue is missing: install python-telegram-bot[job-queue]")
    deps = app.bot_data["deps"]
    app.job_queue.run_repeating(
        outbox_job,
        interval=deps.settings.schedule.outbox_interval,
        first=0.5,
        name=OUTBOX_JOB,
        job_kwargs={"misfire_grace_time": MISFIRE_GRACE_SECONDS, "coalesce": True},
    )
    add_deadline_jobs(app)
