"""Webhook mode end to end: the real `gridpatrol run --webhook` process takes updates on its own
HTTP endpoint (the sandbox posting them, as Telegram does) and refuses posts without the secret.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.runtime import health
from models.db import make_engine, make_session_factory
from sandbox.server import SandboxServer
from sandbox.telegram import BotApiEmulator, FloodConfig
from sandbox.telegram.webhook import SECRET_HEADER, WebhookDelivery
from tests.support.processes import (
    PUBLIC_URL,
    SECRET,
    BotProcess,
    bot_texts,
    get_json,
    healthy,
    until,
)

pytestmark = pytest.mark.e2e


async def post_update(url: str, update: dict[str, Any], secret: str | None) -> int:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http, \
            http.post(url, json=update, headers=headers) as response:
        return response.status


@pytest.fixture
async def webhook_bot(db_url: str, tmp_path: Path) -> AsyncIterator[
    tuple[BotApiEmulator, BotProcess, WebhookDelivery]
]:
    emu = BotApiEmulator(flood=FloodConfig(enabled=True))
    async with SandboxServer(emu) as server:
        bot = BotProcess(tmp_path, server, "bot", db_url)
        await bot.start()
        try:
            async with WebhookDelivery(emu, [bot.url]) as delivery:
                await until(emu, lambda: emu.state.webhook_url == PUBLIC_URL,
                            "the bot sets its webhook", bot)
                await healthy(bot)
                yield emu, bot, delivery
        finally:
            await bot.stop()
        assert emu.refusals == [], bot.log()[-3000:]


def forged_start(user_id: int) -> dict[str, Any]:
    user = {"id": user_id, "is_bot": False, "first_name": "Mallory", "language_code": "en"}
    return {"update_id": 990_001, "message": {
        "message_id": 1, "date": int(time.time()), "from": user, "text": "/start",
        "chat": {"id": user_id, "type": "private", "first_name": "Mallory"},
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}


async def test_updates_with_the_secret_are_answered_and_posts_without_it_refused(
    webhook_bot: tuple[BotApiEmulator, BotProcess, WebhookDelivery],
) -> None:
    emu, bot, delivery = webhook_bot
    assert emu.state.webhook_secret == SECRET  # setWebhook told Telegram the secret
    mallory = 7_999_000_001
    assert await post_update(bot.url, forged_start(mallory), None) == 403
    assert await post_update(bot.url, forged_start(mallory), "not-the-secret") == 403

    vera = emu.users.create_user("Vera", language_code="en")["id"]
    emu.users.send_text(vera, "/start")
    await until(emu, lambda: any("Welcome, Vera" in t for t in bot_texts(emu, vera)),
                "the bot answers the update the sandbox posted with the secret", bot)
    assert delivery.delivered_to(bot.url)  # it came through the webhook, not getUpdates
    assert not any(m == "getUpdates" for m, _ in emu.calls)
    assert not any(str(p.get("chat_id")) == str(mallory) for _, p in emu.calls)

    status, body = await get_json(bot.health_url)
    assert (status, body["status"], body["database"]) == (200, "ok", "ok")
    assert body["scheduler"] is True and body["outbox"] == {"uncertain": 0, "failed": 0}


async def test_the_health_check_fails_when_the_database_does_not_answer() -> None:
    engine = make_engine("postgresql://nobody@127.0.0.1:1/nothing")
    try:
        ok, report = await health(make_session_factory(engine))
    finally:
        await engine.dispose()
    assert not ok and report["status"] == "failing"
    assert report["database"].startswith("failing: ")


async def test_webhook_mode_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    emu = BotApiEmulator()
    async with SandboxServer(emu) as server:
        bot = BotProcess(tmp_path, server, "nosecret", f"sqlite:///{tmp_path / 'x.db'}")
        bot.env.pop("GRIDPATROL_WEBHOOK_SECRET")
        await bot.start()
        assert await bot.wait() == 2
    [line] = bot.log().strip().splitlines()
    assert "webhook.secret_token" in line and "GRIDPATROL_WEBHOOK_SECRET" in line
