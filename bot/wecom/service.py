"""WeCom in `gridpatrol run`: beside Telegram on PTB's event loop (started after the grid is
loaded, stopped before the lease is let go), or alone when no Telegram token is set. Alone, the
process does what the Telegram service does around its application: the lease, the recovery of
interrupted sends, /healthz, and the sweep and the digests on APScheduler (the library under
PTB's JobQueue), until SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import UTC

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.open311 import Open311Server
from bot.outbox.recover import settle_uncertain
from bot.runtime import HealthServer, Lease, settle_dead_claims, setup_logging
from bot.runtime.chores import digest_clock, run_digests, run_sweep
from bot.wecom.api import WeComApi
from bot.wecom.callback import channel_of
from bot.wecom.channel import WeComChannel
from bot.wecom.pace import MemberPace
from handlers.deps import Deps
from handlers.notices import RENDERERS
from models.base import utcnow
from models.db import make_engine, make_session_factory
from services.grid import GridIndexHolder
from services.settings import Settings

log = logging.getLogger(__name__)

SWEEP_GRACE_SECONDS = 120
DIGEST_GRACE_SECONDS = 3 * 3600  # as on Telegram: a process started at 08:30 still sends it


class WeComService:
    """The app's callback and its sender, for one process."""

    def __init__(self, deps: Deps, lease: Lease | None = None) -> None:
        settings = deps.settings.wecom
        pace = MemberPace(deps.sessions, channel_of(settings.corp_id, settings.agent_id))
        self.api = WeComApi(settings, pace.turn)
        self.channel = WeComChannel(deps, self.api, lease)

    async def start(self) -> str:
        url = await self.channel.start()
        log.info("wecom: app %s of %s takes callbacks at %s", self.api.settings.agent_id,
                 self.api.settings.corp_id, url)
        return url

    async def stop(self) -> None:
        await self.channel.stop()
        await self.api.close()


def run_wecom(settings: Settings) -> None:
    """The WeCom app alone, until SIGTERM or Ctrl-C."""
    setup_logging(settings.logging)
    asyncio.run(serve(settings))


async def serve(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Run until `stop` is set (or a signal sets it)."""
    engine = make_engine(settings.database.url, echo=settings.database.echo)
    sessions = make_session_factory(engine)
    lease = Lease(settings.database.url)
    deps = Deps(settings, sessions, GridIndexHolder(), renderers=RENDERERS)
    hook = settings.webhook
    health = (HealthServer(hook.listen, hook.health_port, sessions, lease, deps.metrics)
              if hook.health_port else None)
    open311 = (Open311Server(settings, sessions, deps.grid)
               if settings.open311.enabled else None)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    service = WeComService(deps, lease)
    scheduler = AsyncIOScheduler(timezone=UTC)
    try:
        async with sessions() as session:
            index = await deps.grid.reload(session)
        log.info("grid index loaded: %d cells", len(index))
        await lease.start()
        interrupted = await settle_dead_claims(sessions, lease, at_start=True)
        if interrupted:
            log.warning("%d notices were interrupted while sending; marked uncertain",
                        interrupted)
        await settle_uncertain(deps)
        await service.start()
        if health is not None:
            await health.start()
        if open311 is not None:
            await open311.start()
        schedule(scheduler, deps, lease)
        scheduler.start()
        await stop.wait()
        log.info("wecom: stopping")
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=False)
        await service.stop()
        if open311 is not None:
            await open311.stop()
        if health is not None:
            await health.stop()
        await lease.close()
        await engine.dispose()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


def schedule(scheduler: AsyncIOScheduler, deps: Deps, lease: Lease) -> None:
    """The sweep every schedule.sweep_interval and the digests daily, in the lease holder."""
    settings = deps.settings

    async def sweep() -> None:
        if not await lease.check():
            return
        report = await run_sweep(deps.sessions, settings, utcnow(), deps.metrics)
        if report.examined:
            log.info("sweep: %s", report)
        settled = await settle_dead_claims(deps.sessions, lease, at_start=False)
        if settled:
            log.warning("%d notices of a stopped process were left sending; marked uncertain",
                        settled)

    async def digests() -> None:
        if not await lease.check():
            log.info("digest: another process holds the lease and sends the digests")
            return
        counts = await run_digests(deps.sessions, settings, utcnow(), metrics=deps.metrics)
        log.info("digest: %d digests, %d summaries queued", *counts)

    clock = digest_clock(settings)
    scheduler.add_job(sweep, IntervalTrigger(seconds=settings.schedule.sweep_interval
                                             .total_seconds()),
                      misfire_grace_time=SWEEP_GRACE_SECONDS, coalesce=True)
    scheduler.add_job(digests, CronTrigger(hour=clock.hour, minute=clock.minute,
                                           timezone=clock.tzinfo),
                      misfire_grace_time=DIGEST_GRACE_SECONDS, coalesce=True)
