"""End to end: the real `gridpatrol run` process, pointed at the sandbox only through its
config, registers a volunteer and a manager (by invite) and answers /help per role."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.server import SandboxServer
from sandbox.telegram import BotApiEmulator, FloodConfig
from services.demo import DEMO_GRID

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).parent / "gridpatrol"  # the console script `make` installs
GRIDPATROL = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "bot.cli"]
VILLAGE = "330502100004"  # 妙西东北村 in services/demo/huzhou.geojson


def sandbox_config(tmp_path: Path, server: SandboxServer) -> Path:
    """config.toml as shipped, with its database, photos and Telegram URLs moved."""
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    swaps = {
        'api_base_url = "https://api.telegram.org/bot"': f'api_base_url = "{server.api_base_url}"',
        'file_base_url = "https://api.telegram.org/file/bot"':
            f'file_base_url = "{server.file_base_url}"',
        'url = "sqlite:///data/gridpatrol.db"': f'url = "sqlite:///{tmp_path / "gp.db"}"',
        'photos_dir = "data/photos"': f'photos_dir = "{tmp_path / "photos"}"',
    }
    for old, new in swaps.items():
        assert old in text, f"config.toml no longer has {old!r}"
        text = text.replace(old, new)
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


async def gridpatrol(env: dict[str, str], *args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        *GRIDPATROL, *args, cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT)
    output, _ = await process.communicate()
    text = output.decode()
    assert process.returncode == 0, f"gridpatrol {' '.join(args)} failed:\n{text}"
    return text


async def until(emu: BotApiEmulator, check: Any, what: str) -> None:
    """Wait on the emulator's change signal until `check()` holds (bounded, not timed)."""
    for _ in range(240):
        if check():
            return
        await emu.state.wait_change(0.5)
    raise AssertionError(f"never happened: {what}")


@pytest.fixture
async def running_bot(tmp_path: Path) -> AsyncIterator[tuple[BotApiEmulator, dict[str, str]]]:
    emu = BotApiEmulator(flood=FloodConfig(enabled=True))
    async with SandboxServer(emu) as server:
        env = {**os.environ, "GRIDPATROL_CONFIG": str(sandbox_config(tmp_path, server)),
               "GRIDPATROL_TELEGRAM_TOKEN": emu.token, "PYTHONUNBUFFERED": "1"}
        env.pop("GRIDPATROL_DATABASE_URL", None)
        await gridpatrol(env, "db", "upgrade")
        await gridpatrol(env, "grid", "import", str(DEMO_GRID))
        log = (tmp_path / "bot.log").open("wb")
        process = await asyncio.create_subprocess_exec(
            *GRIDPATROL, "run", cwd=ROOT, env=env, stdout=log, stderr=asyncio.subprocess.STDOUT)
        try:
            await until(emu, lambda: any(m == "getUpdates" for m, _ in emu.calls),
                        "the bot polls for updates")
            yield emu, env
        finally:
            if process.returncode is None:
                process.terminate()
                await process.wait()
            log.close()
        problems = (tmp_path / "bot.log").read_text(errors="replace")
        assert emu.refusals == [], problems[-3000:]


def _texts(emu: BotApiEmulator, chat_id: int) -> list[str]:
    return [m.get("text", "") for m in emu.bot_messages(chat_id)]


async def test_volunteer_and_invited_manager_get_their_help(
    running_bot: tuple[BotApiEmulator, dict[str, str]],
) -> None:
    emu, env = running_bot
    volunteer = emu.users.create_user("Vera", language_code="en")["id"]
    emu.users.send_text(volunteer, "/start")
    await until(emu, lambda: any("Welcome, Vera" in t for t in _texts(emu, volunteer)),
                "the volunteer is welcomed")
    emu.users.send_text(volunteer, "/help")
    await until(emu, lambda: any("As a volunteer" in t for t in _texts(emu, volunteer)),
                "volunteer help")

    printed = await gridpatrol(env, "invite", "--role", "manager", "--cell", VILLAGE)
    match = re.search(r"https://t\.me/gridpatrol_sandbox_bot\?start=(\S+)", printed)
    assert match, printed  # the CLI asked the sandbox for the bot's username
    manager = emu.users.create_user("Wang", language_code="en")["id"]
    emu.users.send_text(manager, f"/start {match.group(1)}")
    await until(emu, lambda: len(_texts(emu, manager)) >= 1, "the manager is answered")
    emu.users.send_text(manager, "/help")
    await until(emu, lambda: any("As a grid manager" in t for t in _texts(emu, manager)),
                "manager help")
    assert not any("As a grid manager" in t for t in _texts(emu, volunteer))
