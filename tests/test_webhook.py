"""Webhook mode end to end: the real `gridpatrol run --webhook` process takes updates on its own
HTTP endpoint (the sandbox posting them, as Telegram does) and refuses posts without the secret.

The helpers here (a bot process on a config of its own, waiting on the sandbox) are shared by
tests/test_two_processes.py and tests/test_shutdown.py.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.runtime import health
from bot.sandbox import BotApiEmulator, FloodConfig
from bot.sandbox.server import SandboxServer
from bot.sandbox.webhook import SECRET_HEADER, WebhookDelivery
from models.db import make_engine, make_session_factory

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).parent / "gridpatrol"  # the console script `make` installs
GRIDPATROL = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "bot.cli"]
SECRET = "webhook-secret_for-tests-0123"
PUBLIC_URL = "https://bot.example.test/telegram"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bot_config(tmp_path: Path, server: SandboxServer, name: str, **keys: str) -> Path:
    """config.toml as shipped, pointed at the sandbox, with `keys` ('section.key': TOML value)."""
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    swaps = {
        'api_base_url = "https://api.telegram.org/bot"': f'api_base_url = "{server.api_base_url}"',
        'file_base_url = "https://api.telegram.org/file/bot"':
            f'file_base_url = "{server.file_base_url}"',
        'photos_dir = "data/photos"': f'photos_dir = "{tmp_path / "photos"}"',
    }
    for old, new in swaps.items():
        assert old in text, f"config.toml no longer has {old!r}"
        text = text.replace(old, new)
    sections: dict[str, list[str]] = {}
    for dotted, value in keys.items():
        section, key = dotted.split(".")
        sections.setdefault(section, []).append(f"{key} = {value}")
    lines = text.splitlines()
    for section, assignments in sections.items():
        start = lines.index(f"[{section}]")
        names = {a.split(" = ")[0] for a in assignments}
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("[")),
                   len(lines))
        kept = [line for line in lines[start + 1:end] if line.split("=")[0].strip() not in names]
        lines[start + 1:end] = [*assignments, *kept]
    path = tmp_path / f"{name}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class BotProcess:
    """One `gridpatrol run` subprocess with its own config, log file and ports."""

    def __init__(self, tmp_path: Path, server: SandboxServer, name: str, db_url: str, *,
                 webhook: bool = True, **keys: str) -> None:
        self.name = name
        self.port, self.health_port = free_port(), free_port()
        config = bot_config(tmp_path, server, name, **{
            "webhook.port": str(self.port), "webhook.url": f'"{PUBLIC_URL}"',
            "webhook.health_port": str(self.health_port), **keys})
        self.env = {**os.environ, "GRIDPATROL_CONFIG": str(config),
                    "GRIDPATROL_TELEGRAM_TOKEN": server.emulator.token,
                    "GRIDPATROL_DATABASE_URL": db_url, "GRIDPATROL_WEBHOOK_SECRET": SECRET,
                    "PYTHONUNBUFFERED": "1"}
        self.log_path = tmp_path / f"{name}.log"
        self.webhook = webhook
        self.process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/telegram"

    @property
    def health_url(self) -> str:
        return f"http://127.0.0.1:{self.health_port}/healthz"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    async def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                *GRIDPATROL, "run", *(["--webhook"] if self.webhook else []), cwd=ROOT,
                env=self.env, stdout=log, stderr=asyncio.subprocess.STDOUT)

    def signal(self, number: int) -> None:
        assert self.process is not None
        self.process.send_signal(number)

    async def wait(self) -> int:
        assert self.process is not None
        return await self.process.wait()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            await self.process.wait()


async def until(emu: BotApiEmulator, check: Callable[[], Any], what: str,
                *bots: BotProcess) -> None:
    """Wait on the emulator's change signal until `check()` holds (bounded, not timed)."""
    for _ in range(240):
        if check():
            return
        if any(b.process is not None and b.process.returncode is not None for b in bots):
            break
        await emu.state.wait_change(0.5)
    logs = "\n".join(f"--- {b.name}:\n{b.log()[-3000:]}" for b in bots)
    raise AssertionError(f"never happened: {what}\n{logs}")


async def get_json(url: str) -> tuple[int, dict[str, Any]]:
    """(status, JSON) of a GET; (0, {}) while nothing listens there yet."""
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http, \
                http.get(url) as response:
            return response.status, await response.json()
    except (aiohttp.ClientError, TimeoutError):
        return 0, {}


async def healthy(bot: BotProcess) -> dict[str, Any]:
    """The bot's /healthz once it answers 200 (bounded wait while it starts)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status, body = await get_json(bot.health_url)
        if status == 200:
            return body
        if bot.process is not None and bot.process.returncode is not None:
            break
        await asyncio.sleep(0.2)
    raise AssertionError(f"{bot.name} never became healthy:\n{bot.log()[-3000:]}")


async def post_update(url: str, update: dict[str, Any], secret: str | None) -> int:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http, \
            http.post(url, json=update, headers=headers) as response:
        return response.status


def bot_texts(emu: BotApiEmulator, chat_id: int) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in emu.bot_messages(chat_id)]


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
