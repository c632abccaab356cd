"""The Open311 server's life: started beside the bot by `gridpatrol run` when open311.port is
set, stopped with it (port 0 in a test picks a free one: `server.port` tells which)."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.open311.app import Open311App
from models.db import SessionFactory
from services.reports import Locator
from services.settings import Settings

log = logging.getLogger(__name__)


class Open311Server:
    def __init__(self, settings: Settings, sessions: SessionFactory, grid: Locator,
                 port: int | None = None) -> None:
        self.settings, self.sessions, self.grid = settings, sessions, grid
        self.listen = settings.open311.listen
        self.port = settings.open311.port if port is None else port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = Open311App(self.settings, self.sessions, self.grid).build()
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.listen, self.port).start()
        for address in self._runner.addresses:
            self.port = int(address[1])
        log.info("open311 on http://%s:%d/services.json", self.listen, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
