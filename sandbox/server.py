"""The sandbox over HTTP on 127.0.0.1: the Telegram emulator (the Bot API, file downloads and
the control API under /sandbox/api/...), WeCom's API stand-in (/cgi-bin/...) and the web chat
(/), on one port."""

from __future__ import annotations

import logging

from aiohttp import web

from sandbox.telegram.control import add_control_routes
from sandbox.telegram.emulator import BotApiEmulator
from sandbox.telegram.http import add_bot_api_routes
from sandbox.web import add_web_chat_routes
from sandbox.wecom.api import WeComState, add_api_routes

log = logging.getLogger("gridpatrol.sandbox")
MAX_BODY = 60 * 1024 * 1024


def make_app(emulator: BotApiEmulator, wecom: WeComState | None = None) -> web.Application:
    """The aiohttp application serving one emulator (and WeCom's API at /cgi-bin/...)."""
    app = web.Application(client_max_size=MAX_BODY)
    add_bot_api_routes(app, emulator)
    if wecom is not None:
        add_api_routes(app, wecom)
    add_control_routes(app, emulator)
    add_web_chat_routes(app)
    return app


class SandboxServer:
    """Start and stop the HTTP server; `url` is where it listens (port 0 picks a free one)."""

    def __init__(self, emulator: BotApiEmulator, host: str = "127.0.0.1", port: int = 0,
                 wecom: WeComState | None = None) -> None:
        self.emulator = emulator
        self.wecom = wecom
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def file_base_url(self) -> str:
        return f"{self.url}/file/bot"

    async def start(self) -> None:
        self._runner = web.AppRunner(make_app(self.emulator, self.wecom), access_log=None,
                                     shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server  # aiohttp keeps the bound sockets there
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = int(sockets[0].getsockname()[1])
        log.info("sandbox listening on %s", self.url)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SandboxServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
