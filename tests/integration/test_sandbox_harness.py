"""The in-process harness drives a real PTB Application against the emulator."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CommandHandler, ContextTypes

from sandbox.telegram import BotApiEmulator, FloodConfig
from tests.support.harness import TelegramHarness, echo_app


def _jpeg(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def emu() -> BotApiEmulator:
    return BotApiEmulator(flood=FloodConfig(enabled=False))


async def test_start_welcomes_with_a_button_and_the_press_edits_it(emu: BotApiEmulator) -> None:
    async with TelegramHarness(emu, echo_app(emu)) as h:
        alice = h.user("Alice <&>")
        await h.send_text(alice, "/start")
        welcome = h.messages_to(alice)[0]
        assert welcome["text"] == "Welcome, Alice <&>!"
        assert welcome["entities"] == [{"type": "bold", "offset": 9, "length": 9}]
        query_id = await h.press(alice, welcome, "Press me")
        edited = h.messages_to(alice)[0]
        assert edited["text"] == "You pressed the button."
        assert "reply_markup" not in edited
        assert edited["edit_history"][0]["text"] == "Welcome, Alice <&>!"
        assert h.callback_answer(query_id) == {"text": "Got it"}


async def test_echo_and_location(emu: BotApiEmulator) -> None:
    async with TelegramHarness(emu, echo_app(emu)) as h:
        bob = h.user("Bob", language_code="en")
        await h.send_text(bob, "hello")
        assert h.last_message(bob)["text"] == "echo: hello"
        live = await h.send_location(bob, 30.87, 119.95, live_period=600)
        assert h.last_message(bob)["text"] == "at 30.8700,119.9500"
        await h.move_live_location(bob, live, 30.88, 119.96)
        assert h.last_message(bob)["text"] == "moved 30.8800,119.9600"


async def test_pressing_a_missing_button_fails_the_test(emu: BotApiEmulator) -> None:
    async with TelegramHarness(emu, echo_app(emu)) as h:
        carol = h.user("Carol")
        await h.send_text(carol, "/start")
        with pytest.raises(AssertionError, match=r"no button 'Nope'.*Press me"):
            await h.press(carol, h.messages_to(carol)[0], "Nope")


async def test_a_refused_call_fails_the_test_on_exit(emu: BotApiEmulator) -> None:
    async def long_data(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message
        button = InlineKeyboardButton("x", callback_data="x" * 65)
        await update.message.reply_text("hi", reply_markup=InlineKeyboardMarkup([[button]]))

    app = echo_app(emu)
    app.add_handler(CommandHandler("long", long_data), group=-1)
    with pytest.raises(AssertionError, match="BUTTON_DATA_INVALID"):
        async with TelegramHarness(emu, app, fail_on_handler_error=False) as h:
            await h.send_text(h.user("Dan"), "/long")


async def test_photo_arrives_as_a_ladder_and_a_file_keeps_its_bytes(emu: BotApiEmulator) -> None:
    original = _jpeg(4000, 3000)
    async with TelegramHarness(emu, echo_app(emu)) as h:
        erin = h.user("Erin")
        sent = await h.send_photo(erin, original)
        assert [max(p["width"], p["height"]) for p in sent["photo"]] == [90, 320, 800, 1280]
        assert h.last_message(erin)["text"].startswith("photo 1280x960, 4 sizes")
        await h.send_photo(erin, original, as_file=True)
        assert h.last_message(erin)["text"] == f"file IMG_0001.jpg: {len(original)} bytes"


async def test_album_is_separate_updates_sharing_a_group(emu: BotApiEmulator) -> None:
    async with TelegramHarness(emu, echo_app(emu)) as h:
        fay = h.user("Fay")
        sent = await h.send_album(fay, [_jpeg(640, 480), _jpeg(480, 640), _jpeg(100, 100)])
        groups = {m["media_group_id"] for m in sent}
        assert len(groups) == 1
        (group,) = groups
        replies = [m["text"] for m in h.messages_to(fay)]
        assert len(replies) == 3
        assert all(r.endswith(f"group {group}") for r in replies)
        # a picture smaller than a rung keeps its size as the last rung, after a 90 px thumbnail
        assert replies[2].startswith("photo 100x100, 2 sizes")


async def test_run_jobs_runs_what_is_due_once(emu: BotApiEmulator) -> None:
    async def later(context: ContextTypes.DEFAULT_TYPE) -> None:
        assert context.job and isinstance(context.job.chat_id, int)
        await context.bot.send_message(context.job.chat_id, "debounced")

    async def schedule(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert context.job_queue and update.effective_chat
        context.job_queue.run_once(later, 2.0, chat_id=update.effective_chat.id, name="soon")
        context.job_queue.run_once(later, 3600, chat_id=update.effective_chat.id, name="late")

    app = echo_app(emu)
    app.add_handler(CommandHandler("later", schedule), group=-1)
    async with TelegramHarness(emu, app) as h:
        gus = h.user("Gus")
        await h.send_text(gus, "/later")
        assert h.messages_to(gus) == []  # nothing runs by itself
        assert await h.run_jobs(within=5) == 1
        assert await h.run_jobs(within=5) == 0  # a one-off job runs once
        assert [m["text"] for m in h.messages_to(gus)] == ["debounced"]
        assert await h.run_jobs(name="late") == 1


async def test_in_a_group_the_bot_sees_commands_but_not_chatter(emu: BotApiEmulator) -> None:
    """Privacy mode, Telegram's default: commands, replies to the bot and mentions only."""
    async with TelegramHarness(emu, echo_app(emu)) as h:
        hal, ida = h.user("Hal"), h.user("Ida")
        patrol = h.group("Reservoir patrol", [hal, ida])
        await h.send_text(ida, "chatter among people", chat=patrol)
        assert h.messages_to(patrol) == []
        await h.send_text(ida, "/start@gridpatrol_sandbox_bot", chat=patrol)
        assert h.last_message(patrol)["text"] == "Where are you?"
        await h.send_text(hal, "a reply to the bot", chat=patrol,
                          reply_to=h.last_message(patrol))
        assert h.last_message(patrol)["text"] == "echo: a reply to the bot"
        assert h.last_message(patrol)["chat"]["type"] == "supergroup"


def test_a_one_time_keyboard_folds_away_after_an_answer(emu: BotApiEmulator) -> None:
    user = emu.users.create_user("Jo")
    chat = emu.users.private_chat(user["id"])
    emu.core.apply_keyboard(chat, {"keyboard": [["Yes", "No"]], "one_time_keyboard": True})
    emu.users.send_text(user["id"], "Yes")
    assert chat.keyboard is None
    emu.core.apply_keyboard(chat, {"keyboard": [["Share"]]})
    emu.users.send_text(user["id"], "Share")
    assert chat.keyboard == {"keyboard": [["Share"]]}  # a lasting keyboard stays
