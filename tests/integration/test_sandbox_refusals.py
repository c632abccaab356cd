"""Every call Telegram refuses, the emulator refuses too: the same 400 (or 404) and words,
logged at ERROR and recorded, whether the bot talks HTTP or runs in-process."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, EndPointNotFound
from telegram.ext import ExtBot
from telegram.warnings import PTBUserWarning

from sandbox.server import SandboxServer
from sandbox.telegram import BotApiEmulator, FloodConfig
from tests.support.harness import EmulatorRequest
from tests.support.images import sized_jpeg


class Clock:
    """Monotonic time the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class World:
    emu: BotApiEmulator
    bot: Bot
    clock: Clock
    chat_id: int

    def press(self, message_id: int, data: str = "x") -> str:
        return self.emu.users.press(self.chat_id, self.chat_id, message_id, data)


@pytest.fixture(params=["http", "in-process"])
async def world(request: pytest.FixtureRequest) -> AsyncIterator[World]:
    clock = Clock()
    emu = BotApiEmulator(flood=FloodConfig(enabled=False), clock=clock)
    user = emu.users.create_user("Ann", language_code="en")
    emu.users.send_text(user["id"], "/start")
    if request.param == "http":
        async with SandboxServer(emu) as server:
            bot: Bot = ExtBot(emu.token, base_url=server.api_base_url,
                              base_file_url=server.file_base_url)
            async with bot:
                yield World(emu, bot, clock, user["id"])
    else:
        bot = ExtBot(emu.token, request=EmulatorRequest(emu),
                     get_updates_request=EmulatorRequest(emu))
        async with bot:
            yield World(emu, bot, clock, user["id"])


async def refused(world: World, caplog: pytest.LogCaptureFixture, coro: object) -> str:
    """Await the call, expect Telegram's BadRequest; check it was recorded and logged."""
    before = len(world.emu.refusals)
    with caplog.at_level(logging.ERROR, logger="gridpatrol.sandbox"), \
            pytest.raises(BadRequest) as info:
        await coro  # type: ignore[misc]
    assert len(world.emu.refusals) == before + 1
    assert any(r.levelno == logging.ERROR and "refused" in r.getMessage() for r in caplog.records)
    return info.value.message


async def test_unknown_method_is_404(world: World) -> None:
    with pytest.raises(EndPointNotFound):
        await world.bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": world.chat_id})
    assert world.emu.refusals[-1].status == 404


async def test_missing_required_parameter(world: World, caplog: pytest.LogCaptureFixture) -> None:
    with pytest.warns(PTBUserWarning, match="Please use 'Bot.sendMessage'"):
        message = await refused(world, caplog, world.bot.do_api_request(
            "sendMessage", api_kwargs={"chat_id": world.chat_id}))
    assert "'text' is required" in message


async def test_unknown_parameter(world: World, caplog: pytest.LogCaptureFixture) -> None:
    message = await refused(world, caplog, world.bot.send_message(
        world.chat_id, "hi", api_kwargs={"colour": "red"}))
    assert "unknown parameter 'colour'" in message.lower()  # PTB capitalizes the text


async def test_empty_text(world: World, caplog: pytest.LogCaptureFixture) -> None:
    message = await refused(world, caplog, world.bot.send_message(world.chat_id, "  \n "))
    assert message == "Message text is empty"


async def test_text_over_4096_utf16_units(world: World, caplog: pytest.LogCaptureFixture) -> None:
    await world.bot.send_message(world.chat_id, "水" * 4096)  # 4096 units: allowed
    await world.bot.send_message(world.chat_id, f"<b>{'a' * 4096}</b>", parse_mode="HTML")
    # 2049 emoji are 2049 characters in Python but 4098 UTF-16 units on Telegram
    message = await refused(world, caplog, world.bot.send_message(world.chat_id, "😀" * 2049))
    assert message == "Message is too long"


async def test_caption_over_1024(world: World, caplog: pytest.LogCaptureFixture) -> None:
    message = await refused(world, caplog, world.bot.send_photo(
        world.chat_id, sized_jpeg(64, 48), caption="x" * 1025))
    assert message == "Message caption is too long"


@pytest.mark.parametrize("data", ["x" * 65, "水" * 22])
async def test_callback_data_over_64_bytes(
    world: World, caplog: pytest.LogCaptureFixture, data: str
) -> None:
    fits = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="水" * 21)]])
    await world.bot.send_message(world.chat_id, "fits", reply_markup=fits)
    too_long = InlineKeyboardMarkup([
        [InlineKeyboardButton("a", callback_data="a")],
        [InlineKeyboardButton("b", callback_data="b"),
         InlineKeyboardButton("c", callback_data=data)],
    ])
    message = await refused(world, caplog, world.bot.send_message(
        world.chat_id, "hi", reply_markup=too_long))
    assert message == "Button_data_invalid"


@pytest.mark.parametrize(
    "html",
    [
        "<b>unclosed",
        "<b><i>crossed</b></i>",
        "closing only</b>",
        "<div>unknown tag</div>",
        "a < b",
        "<span>plain span</span>",
        "<a>no href</a>",
        "tom&nbsp;jerry",
    ],
)
async def test_html_that_does_not_parse(
    world: World, caplog: pytest.LogCaptureFixture, html: str
) -> None:
    message = await refused(world, caplog, world.bot.send_message(
        world.chat_id, html, parse_mode=ParseMode.HTML))
    assert message.startswith("Can't parse entities")


async def test_html_that_parses(world: World) -> None:
    text = ('<b>b</b> <strong>s</strong> <i>i</i> <em>e</em> <u>u</u> <ins>n</ins> <s>s</s> '
            '<strike>k</strike> <del>d</del> <span class="tg-spoiler">p</span> '
            '<tg-spoiler>q</tg-spoiler> <a href="https://example.org/?a=1&amp;b=2">l</a> '
            '<code>c</code> <pre><code class="language-python">x</code></pre> '
            '<blockquote>q</blockquote> &lt;&gt;&amp;&quot;&#39;&#x4E2D; a > b & c')
    sent = await world.bot.send_message(world.chat_id, text, parse_mode=ParseMode.HTML)
    assert sent.text is not None and sent.text.endswith("<>&\"'中 a > b & c")
    kinds = {e.type for e in sent.entities}
    assert {"bold", "italic", "underline", "strikethrough", "spoiler", "text_link", "code",
            "pre", "blockquote"} <= kinds
    link = next(e for e in sent.entities if e.type == "text_link")
    assert link.url == "https://example.org/?a=1&b=2"
    assert world.emu.refusals == []


async def test_edit_of_a_message_that_does_not_exist(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    message = await refused(world, caplog, world.bot.edit_message_text(
        "new", chat_id=world.chat_id, message_id=999))
    assert message == "Message to edit not found"


async def test_edit_with_identical_content(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("go", callback_data="go")]])
    sent = await world.bot.send_message(world.chat_id, "<b>same</b>", parse_mode="HTML",
                                        reply_markup=keyboard)
    message = await refused(world, caplog, world.bot.edit_message_text(
        "<b>same</b>", chat_id=world.chat_id, message_id=sent.message_id, parse_mode="HTML",
        reply_markup=keyboard))
    assert message.startswith("Message is not modified")
    # the same text without the keyboard is a change: the keyboard goes
    await world.bot.edit_message_text("<b>same</b>", chat_id=world.chat_id,
                                      message_id=sent.message_id, parse_mode="HTML")
    message = await refused(world, caplog, world.bot.edit_message_reply_markup(
        chat_id=world.chat_id, message_id=sent.message_id))
    assert message.startswith("Message is not modified")


async def test_answering_a_callback_twice(world: World, caplog: pytest.LogCaptureFixture) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("go", callback_data="go")]])
    sent = await world.bot.send_message(world.chat_id, "press", reply_markup=keyboard)
    query_id = world.press(sent.message_id, "go")
    assert await world.bot.answer_callback_query(query_id, "ok")
    message = await refused(world, caplog, world.bot.answer_callback_query(query_id))
    assert message.startswith("Query is too old and response timeout expired")


async def test_answering_a_callback_too_late(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("go", callback_data="go")]])
    sent = await world.bot.send_message(world.chat_id, "press", reply_markup=keyboard)
    query_id = world.press(sent.message_id, "go")
    world.clock.now += 16
    message = await refused(world, caplog, world.bot.answer_callback_query(query_id))
    assert message.startswith("Query is too old")


async def test_button_url_to_localhost(world: World, caplog: pytest.LogCaptureFixture) -> None:
    await world.bot.send_message(world.chat_id, "ok", reply_markup=InlineKeyboardMarkup(
        [[InlineKeyboardButton("map", url="https://example.org/map")]]))
    message = await refused(world, caplog, world.bot.send_message(
        world.chat_id, "web", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("open", url="http://localhost:8081/")]])))
    assert message.lower().endswith("is invalid: wrong http url")  # PTB recases the text


async def test_getfile_over_20_mb(world: World, caplog: pytest.LogCaptureFixture) -> None:
    big = world.emu.users.send_document(world.chat_id, b"\0" * (20 * 1024 * 1024 + 1),
                                        "survey.zip", "application/zip")
    small = world.emu.users.send_document(world.chat_id, b"PK", "notes.zip", "application/zip")
    assert (await world.bot.get_file(small["document"]["file_id"])).file_size == 2
    message = await refused(world, caplog, world.bot.get_file(big["document"]["file_id"]))
    assert message == "File is too big"


async def test_photo_too_large_or_too_narrow(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    too_big = b"\xff\xd8" + b"\0" * (10 * 1024 * 1024)
    assert await refused(world, caplog, world.bot.send_photo(world.chat_id, too_big)) == (
        "File is too big")
    message = await refused(world, caplog,
                            world.bot.send_photo(world.chat_id, sized_jpeg(2100, 100)))
    assert message == "Photo_invalid_dimensions"
