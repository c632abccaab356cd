"""The sandbox's live location as the web chat replays a GPX track: the control API starts it
at the track's first time and moves it with each point's own time and accuracy, the last move
stopping it; the bot sees edited messages with those times."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from sandbox.server import SandboxServer
from sandbox.telegram import BotApiEmulator, FloodConfig
from tests.support.patrols import demo_track


@pytest.fixture
async def served() -> AsyncIterator[tuple[BotApiEmulator, aiohttp.ClientSession]]:
    emu = BotApiEmulator(flood=FloodConfig(enabled=False))
    async with SandboxServer(emu) as server, aiohttp.ClientSession(server.url) as http:
        yield emu, http


async def _control(http: aiohttp.ClientSession, path: str, payload: Any = None) -> Any:
    async with http.post("/sandbox/api" + path, json=payload) as response:
        body = await response.json()
        assert body["ok"], body
        return body["result"]


async def test_a_gpx_track_replayed_through_the_control_api_keeps_its_times(
        served: tuple[BotApiEmulator, aiohttp.ClientSession]) -> None:
    emu, http = served
    points, _ = demo_track()
    user = await _control(http, "/users", {"first_name": "巡查员", "role": "patroller"})
    chat = user["id"]
    first, *rest = points[:4]
    live = await _control(http, f"/chats/{chat}/send", {
        "user_id": chat, "kind": "location", "live_period": 86400, "accuracy": 8,
        "latitude": first.lat, "longitude": first.lon, "at": int(first.at.timestamp())})
    for index, p in enumerate(rest):
        await _control(http, f"/chats/{chat}/send", {
            "user_id": chat, "kind": "live", "message_id": live["message_id"], "accuracy": 8,
            "latitude": p.lat, "longitude": p.lon, "at": int(p.at.timestamp()),
            "stop": index == len(rest) - 1})
    updates = emu.take_updates()
    assert updates[0]["message"]["date"] == int(first.at.timestamp())
    assert updates[0]["message"]["location"]["horizontal_accuracy"] == 8
    moved = [u["edited_message"] for u in updates[1:]]
    assert [m["edit_date"] for m in moved] == [int(p.at.timestamp()) for p in rest]
    assert moved[-1]["location"]["live_period"] == 0
    assert moved[0]["location"]["live_period"] == 86400
    async with http.get("/static/app.js") as r:
        assert "replayGpx" in await r.text()  # the web chat's "Replay a GPX track"
    async with http.get("/") as r:
        assert 'id="gpx-replay"' in await r.text()
