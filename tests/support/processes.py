"""Real `gridpatrol run` processes against the sandbox served over HTTP: one process on a config
of its own (webhook or polling), waiting on the sandbox, and its health endpoint. Shared by the
webhook, shutdown, two-process and inbox tests."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp

from sandbox.server import SandboxServer
from sandbox.telegram import BotApiEmulator

ROOT = Path(__file__).resolve().parents[2]
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
                    "PYTHONUNBUFFERED": "1",
                    # this tree's code, wherever the venv's editable install points (a worktree)
                    "PYTHONPATH": os.pathsep.join(
                        p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
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


def bot_texts(emu: BotApiEmulator, chat_id: int) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in emu.bot_messages(chat_id)]
