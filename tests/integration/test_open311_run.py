"""`gridpatrol run` serves Open311 beside the chat when open311.port is set: here the WeCom app
alone (`bot.wecom.service.serve`, what `run` calls without a Telegram token), in process, its
grid loaded before the first request, and the server gone once the app stops."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import aiohttp

from bot.wecom.service import serve
from models.db import SessionFactory
from services.grid import import_grid
from services.settings import Settings
from tests.support.ledger import WUXING_VILLAGE
from tests.support.open311 import new_key, point_in
from tests.support.processes import free_port
from tests.support.wecom import AES, AGENT, CORP


async def test_the_running_app_answers_open311_and_stops_with_it(
    settings: Settings, session_factory: SessionFactory, demo_grid_collection: dict[str, Any],
) -> None:
    async with session_factory() as session:
        await import_grid(session, demo_grid_collection)
        await session.commit()
    key = await new_key(session_factory)
    lat, lon = await point_in(session_factory, WUXING_VILLAGE)
    port = free_port()
    running = replace(
        settings,
        wecom=replace(settings.wecom, corp_id=CORP, agent_id=AGENT, token="callback-token",
                      secret="app-secret", encoding_aes_key=AES, port=free_port(),
                      api_base_url="http://127.0.0.1:9"),
        open311=replace(settings.open311, port=port),
    )
    stop = asyncio.Event()
    task = asyncio.create_task(serve(running, stop))
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(100):  # bounded: the app starts within a few seconds
                try:
                    async with http.get(f"{base}/services.json") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    pass
                assert not task.done(), task.exception()
                await asyncio.sleep(0.1)
            async with http.post(f"{base}/requests.json", data={
                    "api_key": key, "service_code": "garbage", "lat": str(lat),
                    "long": str(lon)}) as response:
                assert response.status == 200, await response.text()
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
    async with aiohttp.ClientSession() as http:
        try:
            async with http.get(f"{base}/services.json"):
                raise AssertionError("the Open311 server outlived the app")
        except aiohttp.ClientConnectionError:
            pass
