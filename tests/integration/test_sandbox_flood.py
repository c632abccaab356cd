"""Telegram's flood limits, on by default: about 1 message a second per private chat with a
short burst, 20 a minute per group, about 30 a second overall; past them 429 retry_after."""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator

import pytest
from telegram.error import RetryAfter
from telegram.ext import ExtBot
from telegram.warnings import PTBDeprecationWarning

from sandbox.telegram import BotApiEmulator, FloodConfig
from tests.support.harness import EmulatorRequest


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def emu(clock: Clock) -> BotApiEmulator:
    return BotApiEmulator(clock=clock)  # default FloodConfig: limits on


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[ExtBot[None]]:
    async with ExtBot(emu.token, request=EmulatorRequest(emu)) as bot:
        yield bot


def _person(emu: BotApiEmulator, name: str) -> int:
    user = emu.users.create_user(name)
    emu.users.private_chat(user["id"])
    return int(user["id"])


async def _retry_after(coro: object) -> int:
    """The retry_after of the 429 the call gets (read as int, whatever PTB's type)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        with pytest.raises(RetryAfter) as info:
            await coro  # type: ignore[misc]
        value = info.value.retry_after
    return int(value.total_seconds()) if hasattr(value, "total_seconds") else int(value)


def test_limits_are_on_by_default() -> None:
    assert FloodConfig().enabled


async def test_private_chat_allows_a_burst_then_one_a_second(
    emu: BotApiEmulator, bot: ExtBot[None], clock: Clock
) -> None:
    chat = _person(emu, "Ann")
    for index in range(5):
        await bot.send_message(chat, f"burst {index}")
    assert await _retry_after(bot.send_message(chat, "too fast")) == 1
    other = _person(emu, "Ben")
    await bot.send_message(other, "another chat is not held back")
    clock.now += 1.0
    await bot.send_message(chat, "a second later")
    assert await _retry_after(bot.send_message(chat, "again too fast")) == 1
    texts = [m["text"] for m in emu.bot_messages(chat)]
    assert texts == [*(f"burst {index}" for index in range(5)), "a second later"]
    assert emu.refusals == []  # a 429 is Telegram pacing the bot, not a refused call


async def test_group_gets_twenty_a_minute(
    emu: BotApiEmulator, bot: ExtBot[None], clock: Clock
) -> None:
    members = [_person(emu, "Cy")]
    group = emu.users.create_group("Patrol", members)["id"]
    for index in range(20):
        await bot.send_message(group, f"notice {index}")
    clock.now += 1.5  # plenty for the overall limit, half a message for a group
    wait = await _retry_after(bot.send_message(group, "one too many"))
    assert wait == 2  # 20 a minute: one message every 3 s, 1.5 s of it already waited
    clock.now += wait
    await bot.send_message(group, "after waiting")


async def test_about_thirty_a_second_overall(
    emu: BotApiEmulator, bot: ExtBot[None], clock: Clock
) -> None:
    chats = [_person(emu, f"P{index}") for index in range(31)]
    for chat in chats[:30]:
        await bot.send_message(chat, "alert")
    assert await _retry_after(bot.send_message(chats[30], "alert")) == 1
    clock.now += 0.1
    await bot.send_message(chats[30], "alert")  # 3 tokens back after a tenth of a second


async def test_limits_can_be_switched_off(clock: Clock) -> None:
    emu = BotApiEmulator(flood=FloodConfig(enabled=False), clock=clock)
    chat = _person(emu, "Dee")
    async with ExtBot(emu.token, request=EmulatorRequest(emu)) as bot:
        for index in range(50):
            await bot.send_message(chat, f"{index}")
    assert len(emu.bot_messages(chat)) == 50
