"""Updates reach the bot as Telegram hands them out: long polling, offsets, allowed_updates;
and the bot's own settings (commands, webhook) behave like Telegram's."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Conflict
from telegram.ext import ExtBot

from sandbox.telegram import BotApiEmulator, FloodConfig
from tests.support.harness import EmulatorRequest


@pytest.fixture
def emu() -> BotApiEmulator:
    return BotApiEmulator(flood=FloodConfig(enabled=False))


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[ExtBot[None]]:
    async with ExtBot(emu.token, request=EmulatorRequest(emu),
                      get_updates_request=EmulatorRequest(emu, read_timeout=30)) as bot:
        yield bot


async def test_a_long_poll_returns_when_a_user_writes(
    emu: BotApiEmulator, bot: ExtBot[None]
) -> None:
    user = emu.users.create_user("Kai")
    poll = asyncio.create_task(bot.get_updates(timeout=20))
    await asyncio.sleep(0)  # let the poll start waiting
    assert not poll.done()
    emu.users.send_text(user["id"], "/start")
    (update,) = await poll
    assert update.message is not None and update.message.text == "/start"
    # confirming with offset forgets it; nothing else is pending
    assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == ()


async def test_allowed_updates_filter_what_is_queued(
    emu: BotApiEmulator, bot: ExtBot[None]
) -> None:
    user = emu.users.create_user("Lu")["id"]
    emu.users.send_text(user, "/start")
    sent = await bot.send_message(user, "press", reply_markup=InlineKeyboardMarkup(
        [[InlineKeyboardButton("go", callback_data="go")]]))
    first = await bot.get_updates(allowed_updates=["message"])
    assert [u.message is not None for u in first] == [True]
    emu.users.press(user, user, sent.message_id, "go")
    emu.users.send_text(user, "after")
    later = await bot.get_updates(offset=first[-1].update_id + 1)
    assert [u.message.text for u in later if u.message] == ["after"]
    assert all(u.callback_query is None for u in later)


async def test_get_updates_while_a_webhook_is_set_is_a_conflict(
    emu: BotApiEmulator, bot: ExtBot[None]
) -> None:
    assert await bot.set_webhook("https://bot.example.org/hook")
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook()
    assert await bot.get_updates() == ()
    assert [r.status for r in emu.refusals] == [409]


async def test_commands_per_language_and_invalid_names(
    emu: BotApiEmulator, bot: ExtBot[None]
) -> None:
    await bot.set_my_commands([BotCommand("report", "上报问题")], language_code="zh")
    await bot.set_my_commands([BotCommand("report", "Report a problem")])
    assert [c.description for c in await bot.get_my_commands(language_code="zh")] == ["上报问题"]
    assert [c.description for c in await bot.get_my_commands()] == ["Report a problem"]
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Report-Now", "x")])
    me = await bot.get_me()
    assert me.is_bot and me.username == "gridpatrol_sandbox_bot"


async def test_a_wait_for_changes_cancelled_as_a_change_comes_is_cancelled(
    emu: BotApiEmulator,
) -> None:
    # A webhook delivery stopped at the moment an update arrives must stop, not wait on.
    waiting = asyncio.create_task(emu.state.wait_change(30))
    await asyncio.sleep(0)  # the task now waits
    emu.state.bump()
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
