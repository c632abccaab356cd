"""Injected faults reach the bot the way real ones do, over HTTP and in-process alike."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from telegram import Bot
from telegram.error import Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from sandbox.server import SandboxServer
from sandbox.telegram import BotApiEmulator, FloodConfig
from tests.support.harness import EmulatorRequest


@dataclass
class World:
    emu: BotApiEmulator
    bot: Bot
    chat_id: int

    def texts(self) -> list[str]:
        return [m["text"] for m in self.emu.bot_messages(self.chat_id)]


@pytest.fixture(params=["http", "in-process"])
async def world(request: pytest.FixtureRequest) -> AsyncIterator[World]:
    emu = BotApiEmulator(flood=FloodConfig(enabled=False))
    user = emu.users.create_user("Bo", language_code="en")
    emu.users.send_text(user["id"], "/start")
    if request.param == "http":
        async with SandboxServer(emu) as server:
            # a short read timeout so that a withheld answer times out quickly
            http = HTTPXRequest(read_timeout=0.5)
            bot: Bot = ExtBot(emu.token, base_url=server.api_base_url,
                              base_file_url=server.file_base_url, request=http)
            async with bot:
                yield World(emu, bot, user["id"])
    else:
        bot = ExtBot(emu.token, request=EmulatorRequest(emu),
                     get_updates_request=EmulatorRequest(emu))
        async with bot:
            yield World(emu, bot, user["id"])


async def test_retry_after(world: World) -> None:
    world.emu.faults.add("retry_after", retry_after=7)
    with pytest.raises(RetryAfter) as raised:
        await world.bot.send_message(world.chat_id, "one")
    assert raised.value.retry_after == timedelta(seconds=7)  # PTB_TIMEDELTA=1 (conftest)
    await world.bot.send_message(world.chat_id, "two")
    assert world.texts() == ["two"]
    assert world.emu.refusals == []  # an injected fault is not a bug in the bot


async def test_server_error(world: World) -> None:
    world.emu.faults.add("server_error")
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await world.bot.send_message(world.chat_id, "one")
    assert world.texts() == []


async def test_timeout_not_delivered(world: World) -> None:
    world.emu.faults.add("timeout", delay=2.0)
    with pytest.raises(TimedOut):
        await world.bot.send_message(world.chat_id, "lost")
    assert world.texts() == []


async def test_timeout_after_delivery(world: World) -> None:
    """A timed-out send may have arrived: the bot must not assume it did not."""
    world.emu.faults.add("timeout", delay=2.0, delivered=True)
    with pytest.raises(TimedOut):
        await world.bot.send_message(world.chat_id, "arrived anyway")
    assert world.texts() == ["arrived anyway"]


async def test_connection_closed(world: World) -> None:
    world.emu.faults.add("disconnect")
    with pytest.raises(NetworkError):
        await world.bot.send_message(world.chat_id, "cut")
    assert world.texts() == []


async def test_blocked_by_the_user(world: World) -> None:
    world.emu.faults.add("blocked")
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await world.bot.send_message(world.chat_id, "hello?")


async def test_fault_for_one_method_and_n_calls(world: World) -> None:
    world.emu.faults.add("server_error", count=2, method="sendPhoto")
    await world.bot.send_message(world.chat_id, "text goes through")
    for _ in range(2):
        with pytest.raises(NetworkError):
            await world.bot.send_photo(world.chat_id, "no-such-file-id")
    assert world.texts() == ["text goes through"]
    assert [kind for _, kind in world.emu.faults.fired] == ["server_error", "server_error"]
    assert world.emu.faults.pending == []


async def test_a_real_block_answers_403_and_tells_the_bot(world: World) -> None:
    world.emu.users.block_bot(world.chat_id)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await world.bot.send_message(world.chat_id, "hello?")
    updates = await world.bot.get_updates()
    member = updates[-1].my_chat_member
    assert member is not None and member.new_chat_member.status == "kicked"
