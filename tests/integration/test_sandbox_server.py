"""The sandbox over HTTP: Bot API bodies as Telegram accepts them, the control API, the web
page, and the runner that points a polling bot at it."""

from __future__ import annotations

import asyncio
import io
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from PIL import Image
from telegram.ext import Application, ApplicationBuilder

from sandbox import bot_settings, start_sandbox, stop_sandbox
from sandbox.server import SandboxServer
from sandbox.telegram import BotApiEmulator, FloodConfig
from sandbox.telegram.echo import add_echo_handlers
from services.settings import Settings
from tests.support.settings import make_settings


@pytest.fixture
async def served() -> AsyncIterator[tuple[BotApiEmulator, SandboxServer, aiohttp.ClientSession]]:
    emu = BotApiEmulator(flood=FloodConfig(enabled=False))
    async with SandboxServer(emu) as server, aiohttp.ClientSession(server.url) as http:
        yield emu, server, http


async def _control(http: aiohttp.ClientSession, path: str, payload: Any = None) -> Any:
    async with http.post("/sandbox/api" + path, json=payload) as response:
        body = await response.json()
        assert body["ok"], body
        return body["result"]


async def test_bot_api_takes_json_form_and_query_bodies(
    served: tuple[BotApiEmulator, SandboxServer, aiohttp.ClientSession],
) -> None:
    emu, _, http = served
    user = await _control(http, "/users", {"first_name": "Ann", "language_code": "en"})
    base = f"/bot{emu.token}"
    async with http.post(f"{base}/sendMessage", json={"chat_id": user["id"], "text": "json"}) as r:
        assert (await r.json())["result"]["text"] == "json"
    markup = json.dumps({"inline_keyboard": [[{"text": "go", "callback_data": "go"}]]})
    form = {"chat_id": str(user["id"]), "text": "form", "reply_markup": markup}
    async with http.post(f"{base}/sendMessage", data=form) as r:
        assert (await r.json())["result"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "go"
    async with http.get(f"{base}/getMe") as r:
        assert (await r.json())["result"]["is_bot"] is True
    async with http.get("/bot123:wrong/getMe") as r:
        assert r.status == 401
    async with http.post(f"{base}/sendMessage", data={"chat_id": "x", "text": "y"}) as r:
        assert r.status == 400
        assert (await r.json())["description"] == "Bad Request: chat not found"


async def test_control_api_users_messages_photos_and_events(
    served: tuple[BotApiEmulator, SandboxServer, aiohttp.ClientSession],
) -> None:
    emu, _, http = served
    user = await _control(http, "/users", {"first_name": "林", "role": "volunteer"})
    chat_id = user["id"]
    sent = await _control(http, f"/chats/{chat_id}/send", {"user_id": chat_id, "text": "/start"})
    assert sent["entities"][0]["type"] == "bot_command"
    (update,) = emu.take_updates()
    assert update["message"]["text"] == "/start"
    buffer = io.BytesIO()
    Image.new("RGB", (2000, 1500), "green").save(buffer, "JPEG")
    form = aiohttp.FormData()
    form.add_field("user_id", str(chat_id))
    form.add_field("as_file", "0")
    for name in ("a.jpg", "b.jpg"):
        form.add_field("photo", buffer.getvalue(), filename=name, content_type="image/jpeg")
    async with http.post(f"/sandbox/api/chats/{chat_id}/photos", data=form) as r:
        album = (await r.json())["result"]
    assert album[0]["media_group_id"] == album[1]["media_group_id"]
    biggest = album[0]["photo"][-1]
    async with http.get(f"/sandbox/api/files/{biggest['file_id']}") as r:
        assert Image.open(io.BytesIO(await r.read())).size == (1280, 960)
    async with http.get("/sandbox/api/events", params={"chat_id": chat_id, "since": 0,
                                                        "wait": 0}) as r:
        events = (await r.json())["result"]
    assert [m["message_id"] for m in events["messages"]] == [1, 2, 3]
    async with http.get("/sandbox/api/state") as r:
        state = (await r.json())["result"]
    assert state["personas"] == [{"chat_id": chat_id, "role": "volunteer", "user_id": chat_id,
                                  "label": "林"}]
    fault = await _control(http, "/faults", {"kind": "blocked", "count": 2})
    assert fault["remaining"] == 2
    async with http.delete("/sandbox/api/faults") as r:
        assert r.status == 200
    assert emu.faults.pending == []


async def test_the_web_chat_page_is_served(
    served: tuple[BotApiEmulator, SandboxServer, aiohttp.ClientSession],
) -> None:
    _, _, http = served
    async with http.get("/") as r:
        page = await r.text()
    assert "/static/app.js" in page and "/static/style.css" in page
    for asset in ("app.js", "style.css"):
        async with http.get(f"/static/{asset}") as r:
            assert r.status == 200
            assert not re.search(r"https?://", await r.text())  # nothing from a CDN


def _echo_builder() -> Any:
    async def build(settings: Settings) -> Application[Any, Any, Any, Any, Any, Any]:
        app = (
            ApplicationBuilder()
            .token(settings.telegram.token)
            .base_url(settings.telegram.api_base_url)
            .base_file_url(settings.telegram.file_base_url)
            .build()
        )
        add_echo_handlers(app)
        return app

    return build


async def _bot_reply(emu: BotApiEmulator, chat_id: int, count: int) -> list[dict[str, Any]]:
    """Wait (on the emulator's change signal, not a fixed sleep) for `count` bot messages."""
    for _ in range(200):
        replies = emu.bot_messages(chat_id)
        if len(replies) >= count:
            return replies
        await emu.state.wait_change(0.5)
    raise AssertionError(f"the bot sent {emu.bot_messages(chat_id)}")


async def test_runner_points_a_polling_bot_at_the_sandbox(tmp_path: Path) -> None:
    settings = make_settings(f"sqlite:///{tmp_path / 'x.db'}", tmp_path,
                             sandbox={"port": 0, "flood_limits": False})
    running = await start_sandbox(settings, build_bot=_echo_builder())
    try:
        pointed = bot_settings(settings, running.server, running.emulator.token)
        assert pointed.telegram.api_base_url == f"{running.server.url}/bot"
        assert pointed.telegram.file_base_url == f"{running.server.url}/file/bot"
        assert running.url.startswith("http://127.0.0.1:")
        emu = running.emulator
        user = emu.users.create_user("Eve", language_code="en")
        emu.users.send_text(user["id"], "/start")
        welcome = (await _bot_reply(emu, user["id"], 2))[0]
        emu.users.press(user["id"], user["id"], welcome["message_id"], "pressed")
        for _ in range(200):
            if emu.bot_messages(user["id"])[0]["text"] == "You pressed the button.":
                break
            await emu.state.wait_change(0.5)
        assert emu.bot_messages(user["id"])[0]["text"] == "You pressed the button."
        buffer = io.BytesIO()
        Image.new("RGB", (300, 200), "red").save(buffer, "JPEG")
        emu.users.send_photos(user["id"], [buffer.getvalue()])
        replies = await _bot_reply(emu, user["id"], 3)
        assert replies[2]["text"].startswith("photo 300x200, 2 sizes")  # downloaded over HTTP
        assert emu.refusals == []
    finally:
        await stop_sandbox(running)
    await asyncio.sleep(0)


async def test_a_54_megapixel_photo_from_the_web_chat_is_taken_and_downsized(
    served: tuple[BotApiEmulator, SandboxServer, aiohttp.ClientSession],
) -> None:
    """As Telegram does: a phone's 9000x6000 original sent as a photo arrives as downsized
    sizes (at most 2560 px); a picture that cannot be read is answered in JSON, as the page
    expects, with Telegram's own words."""
    emu, _, http = served
    user = await _control(http, "/users", {"first_name": "Big camera"})
    buffer = io.BytesIO()
    Image.new("L", (9000, 6000), 128).save(buffer, "JPEG", quality=60)

    async def post(data: bytes) -> tuple[int, Any]:
        form = aiohttp.FormData()
        form.add_field("user_id", str(user["id"]))
        form.add_field("photo", data, filename="IMG_54MP.jpg", content_type="image/jpeg")
        async with http.post(f"/sandbox/api/chats/{user['id']}/photos", data=form) as r:
            return r.status, await r.json()

    status, body = await post(buffer.getvalue())
    assert status == 200 and body["ok"], body
    sizes = body["result"][0]["photo"]
    assert max(max(p["width"], p["height"]) for p in sizes) <= 2560
    biggest = sizes[-1]
    async with http.get(f"/sandbox/api/files/{biggest['file_id']}") as r:
        stored = Image.open(io.BytesIO(await r.read()))
    assert stored.size == (biggest["width"], biggest["height"])
    assert stored.width / stored.height == pytest.approx(1.5, abs=0.01)
    (update,) = emu.take_updates()
    assert update["message"]["photo"] == sizes

    status, body = await post(b"not a picture at all")
    assert status == 400 and body == {"ok": False, "error": "Bad Request: IMAGE_PROCESS_FAILED"}
    assert emu.take_updates() == []
