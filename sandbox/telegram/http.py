"""The Telegram emulator over HTTP: the Bot API (/bot<token>/<method>) and file downloads
(/file/bot<token>/<path>), as a bot reaches api.telegram.org."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import unquote

from aiohttp import BodyPartReader, web

from sandbox.telegram.emulator import BotApiEmulator, FileArg
from sandbox.telegram.errors import SimulatedTimeout

EMULATOR_KEY = web.AppKey("emulator", BotApiEmulator)


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


def add_bot_api_routes(app: web.Application, emulator: BotApiEmulator) -> None:
    """Serve `emulator` at /bot<token>/<method> and /file/bot<token>/<path>."""
    app[EMULATOR_KEY] = emulator
    app.router.add_route("*", "/bot{token}/{method}", bot_api)
    app.router.add_get("/file/bot{token}/{path:.+}", download)
