"""The schedule's work, whatever the channel: the deadline sweep (with expired drafts, lapsed
pending questions, the campaigns' reminders and the patrols left open) and the morning
digests (after sealing yesterday's audit anchor). Telegram runs them from PTB's JobQueue
(bot.jobs), a WeCom-only process from its own APScheduler (bot.wecom.service), the CLI once."""

from __future__ import annotations

import logging
import time as clock
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError

from models.db import SessionFactory
from services.audit import seal_day
from services.campaigns import queue_campaign_reminders
from services.deadlines import SweepReport, sweep
from services.digests import queue_digests
from services.metrics import Metrics
from services.patrols import close_stale, queue_patrol_reminders
from services.pending import drop_lapsed
from services.photos.stores import photo_store
from services.reports import expire_drafts
from services.settings import Settings

log = logging.getLogger("bot.jobs")


async def run_sweep(sessions: SessionFactory, settings: Settings, now: datetime,
                    metrics: Metrics | None = None) -> SweepReport:
    began = clock.perf_counter()
    report = await sweep(sessions, settings, now)
    async with sessions() as session:  # reports left untouched too long: dropped, with a word
        report.drafts_expired = len(await expire_drafts(
            session, now, settings.cases.draft_ttl, photo_store(settings, session)))
        await drop_lapsed(session, now)
        await queue_campaign_reminders(session, settings, now)  # once a day each, by its key
        if settings.patrols.remind_missed:  # once a period each, by its key
            await queue_patrol_reminders(session, settings, now)
        closed = await close_stale(session, settings.patrols, now)  # silent for idle_close
        await session.commit()
    if closed:
        log.info("sweep: %d patrols silent for %s were ended", len(closed),
                 settings.patrols.idle_close)
    if metrics is not None:
        metrics.sweep_seconds.observe(clock.perf_counter() - began)
    return report


async def run_digests(
    sessions: SessionFactory, settings: Settings, now: datetime, member_id: int | None = None,
    metrics: Metrics | None = None,
) -> tuple[int, int]:
    """Seal yesterday's audit anchor, then queue the digests and summaries; a second process
    that raced us finds them done."""
    began = clock.perf_counter()
    async with sessions() as session:  # yesterday's anchor first: the supervisors' digest has it
        try:
            await seal_day(session, settings.locale.timezone, now)
            await session.commit()
        except IntegrityError:
            await session.rollback()
            log.info("digest: another process sealed yesterday's anchor first")
    async with sessions() as session:
        try:
            counts = await queue_digests(session, settings, now, member_id)
            await session.commit()
            if metrics is not None:
                metrics.digest_seconds.observe(clock.perf_counter() - began)
            return counts
        except IntegrityError:
            await session.rollback()
            log.info("digest: another process queued today's digests first")
            return (0, 0)


def digest_clock(settings: Settings) -> time:
    """schedule.digest_time ("08:00") in the configured timezone."""
    hours, minutes = (int(part) for part in settings.schedule.digest_time.split(":"))
    return time(hours, minutes, tzinfo=ZoneInfo(settings.locale.timezone))
