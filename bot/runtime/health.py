"""GET /healthz for a load balancer or a monitor: does this process reach its database?

A small aiohttp server of its own (PTB's webhook server is not ours to add routes to), on
webhook.listen at webhook.health_port, in polling and webhook mode alike. 200 with
`{"status": "ok", ...}` when `SELECT 1` answers, 503 with `"failing"` when it does not; the
counts of notices that need a human (uncertain, failed) ride along for the monitor. GET /metrics
beside it is for Prometheus (services.metrics): the outbox by state and the lease are read then.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from bot.runtime.lease import Lease
from models import OutboxState
from models.db import SessionFactory
from services.metrics import Metrics
from services.notices import outbox_counts

log = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 5.0


async def health(
    sessions: SessionFactory, lease: Lease | None = None
) -> tuple[bool, dict[str, Any]]:
    """(healthy, what /healthz shows): the database answers within a few seconds."""
    report: dict[str, Any] = {}
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS), sessions() as session:
            await session.execute(text("SELECT 1"))
            counts = await outbox_counts(session)
        report["database"] = "ok"
        report["outbox"] = {state.value: counts[state]
                            for state in (OutboxState.UNCERTAIN, OutboxState.FAILED)}
        healthy = True
    except Exception as exc:  # any failure to reach the database is the answer itself
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        report["database"] = f"failing: {reason or type(exc).__name__}"
        healthy = False
    if lease is not None:
        report["instance"] = lease.instance
        report["scheduler"] = lease.held
    report["status"] = "ok" if healthy else "failing"
    return healthy, report


class HealthServer:
    """The /healthz endpoint on its own port (`port` 0 picks a free one, for tests)."""

    def __init__(
        self, listen: str, port: int, sessions: SessionFactory, lease: Lease | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.listen, self.port = listen, port
        self.sessions, self.lease = sessions, lease
        self.metrics = metrics or Metrics()
        self._runner: web.AppRunner | None = None

    async def _healthz(self, request: web.Request) -> web.Response:
        healthy, report = await health(self.sessions, self.lease)
        if not healthy:
            log.warning("healthz: %s", report["database"])
        return web.json_response(report, status=200 if healthy else 503)

    async def _metrics(self, request: web.Request) -> web.Response:
        """The process's counts, with the outbox by state and the lease read now (a database
        that does not answer leaves the last reading, and /healthz says why)."""
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_SECONDS), self.sessions() as session:
                counts = await outbox_counts(session)
            for state, count in counts.items():
                self.metrics.outbox.labels(state.value).set(count)
        except Exception:  # the scrape still answers; the gauges keep their last value
            log.warning("metrics: the outbox could not be counted", exc_info=True)
        self.metrics.scheduler.set(1 if self.lease is None or self.lease.held else 0)
        return web.Response(body=self.metrics.exposition(),
                            headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.listen, self.port)
        await site.start()
        for address in self._runner.addresses:
            self.port = int(address[1])
        log.info("health endpoint on http://%s:%d/healthz", self.listen, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
