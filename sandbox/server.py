"""The sandbox over HTTP on 127.0.0.1: the Bot API (/bot<token>/<method>), file downloads
(/file/bot<token>/<path>), the control API (/sandbox/api/...) and the web chat (/)."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from aiohttp import BodyPartReader, web

from bot.sandbox.control import add_control_routes
from bot.sandbox.emulator import BotApiEmulator, FileArg
from bot.sandbox.errors import SimulatedTimeout

log = logging.getLogger("gridpatrol.sandbox")
STATIC_DIR = Path(__file__).resolve().parent / "static"
EMULATOR_KEY = web.AppKey("emulator", BotApiEmulator)
MAX_BODY = 60 * 1024 * 1024


async def _read_call(request: web.Request) -> tuple[dict[str, Any], dict[str, FileArg]]:
    """Parameters and files of a Bot API request, whatever way the client sent them."""
    params: dict[str, Any] = dict(request.query)
    files: dict[str, FileArg] = {}
    if request.method != "POST" or not request.body_exists:
        return params, files
    kind = request.content_type
    if kind == "application/json":
        body = await request.json()
        if isinstance(body, dict):
            params.update(body)
    elif kind == "multipart/form-data":
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            if part.filename is not None:
                mime = part.headers.get("Content-Type", "application/octet-stream")
                files[part.name] = (part.filename, bytes(await part.read()), mime)
            else:
                params[part.name] = await part.text()
    else:
        form = await request.post()
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
    return params, files


async def bot_api(request: web.Request) -> web.StreamResponse:
    emulator = request.app[EMULATOR_KEY]
    token = unquote(request.match_info["token"])
    method = request.match_info["method"]
    try:
        params, files = await _read_call(request)
    except (ValueError, json.JSONDecodeError):
        return web.json_response(
            {"ok": False, "error_code": 400, "description": "Bad Request: can't parse body"},
            status=400)
    except ConnectionResetError:  # the bot went away mid-upload: like Telegram, do nothing
        return web.Response(status=499)
    try:
        status, body = await emulator.call(token, method, params, files)
    except SimulatedTimeout as exc:
        if not exc.disconnect:
            await asyncio.sleep(exc.delay)
        if request.transport is not None:
            request.transport.close()
        raise web.HTTPGatewayTimeout() from exc
    return web.json_response(body, status=status, dumps=_dumps)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


async def download(request: web.Request) -> web.StreamResponse:
    emulator = request.app[EMULATOR_KEY]
    data = emulator.download(unquote(request.match_info["token"]), request.match_info["path"])
    if data is None:
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"},
                                 status=404)
    return web.Response(body=data, content_type="application/octet-stream")


async def index(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC_DIR / "index.html")


def make_app(emulator: BotApiEmulator) -> web.Application:
    """The aiohttp application serving one emulator."""
    app = web.Application(client_max_size=MAX_BODY)
    app[EMULATOR_KEY] = emulator
    app.router.add_route("*", "/bot{token}/{method}", bot_api)
    app.router.add_get("/file/bot{token}/{path:.+}", download)
    add_control_routes(app, emulator)
    app.router.add_get("/", index)
    app.router.add_static("/static/", STATIC_DIR)
    return app


class SandboxServer:
    """Start and stop the HTTP server; `url` is where it listens (port 0 picks a free one)."""

    def __init__(self, emulator: BotApiEmulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.emulator = emulator
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
        self._runner = web.AppRunner(make_app(self.emulator), access_log=None,
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
