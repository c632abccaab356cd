"""Photos as Telegram delivers them: a ladder of recompressed sizes without EXIF; a photo
sent as a file arrives byte for byte; an album is separate updates sharing a media group."""

from __future__ import annotations

import hashlib
import io
from collections.abc import AsyncIterator

import pytest
from PIL import Image
from telegram import InputMediaPhoto
from telegram.ext import ExtBot

from sandbox.server import SandboxServer
from sandbox.telegram import BotApiEmulator, FloodConfig
from tests.support.harness import EmulatorRequest
from tests.support.images import sized_jpeg


def _emulator() -> tuple[BotApiEmulator, int]:
    emu = BotApiEmulator(flood=FloodConfig(enabled=False))
    user = emu.users.create_user("Lin")
    emu.users.send_text(user["id"], "/start")
    emu.take_updates()
    return emu, user["id"]


def test_a_photo_becomes_a_ladder_without_exif() -> None:
    emu, user_id = _emulator()
    original = sized_jpeg(4032, 3024, gps=True)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)
    (sent,) = emu.users.send_photos(user_id, [original])
    sizes = sent["photo"]
    assert [(p["width"], p["height"]) for p in sizes] == [
        (90, 68), (320, 240), (800, 600), (1280, 960)]
    for size in sizes:
        data = emu.state.files[size["file_id"]].data
        image = Image.open(io.BytesIO(data))
        assert image.format == "JPEG"
        assert image.size == (size["width"], size["height"])
        assert not image.getexif()  # no GPS, no camera model: Telegram strips it all
        assert size["file_size"] == len(data)
    (update,) = emu.take_updates()
    assert update["message"]["photo"] == sizes


def test_a_photo_sent_as_file_keeps_its_bytes() -> None:
    emu, user_id = _emulator()
    original = sized_jpeg(4032, 3024, gps=True)
    (sent,) = emu.users.send_photos(user_id, [original], as_file=True, file_names=["dam.jpg"])
    document = sent["document"]
    assert document["file_name"] == "dam.jpg"
    assert document["mime_type"] == "image/jpeg"
    stored = emu.state.files[document["file_id"]].data
    assert hashlib.sha256(stored).digest() == hashlib.sha256(original).digest()
    assert Image.open(io.BytesIO(stored)).getexif().get_ifd(0x8825)  # GPS survives
    assert "photo" not in sent


def test_an_album_is_separate_updates_sharing_a_media_group() -> None:
    emu, user_id = _emulator()
    emu.users.send_photos(user_id, [sized_jpeg(640, 480), sized_jpeg(480, 640),
                                    sized_jpeg(800, 800)])
    emu.users.send_photos(user_id, [sized_jpeg(10, 10)])
    updates = emu.take_updates()
    assert len(updates) == 4
    groups = [u["message"].get("media_group_id") for u in updates]
    assert groups[0] is not None and groups[0] == groups[1] == groups[2]
    assert groups[3] is None
    assert len({u["update_id"] for u in updates}) == 4


@pytest.fixture(params=["http", "in-process"])
async def bot_and_user(request: pytest.FixtureRequest) -> AsyncIterator[
    tuple[BotApiEmulator, ExtBot[None], int]
]:
    emu, user_id = _emulator()
    if request.param == "http":
        async with SandboxServer(emu) as server, ExtBot(
            emu.token, base_url=server.api_base_url, base_file_url=server.file_base_url
        ) as bot:
            yield emu, bot, user_id
    else:
        async with ExtBot(emu.token, request=EmulatorRequest(emu),
                          get_updates_request=EmulatorRequest(emu)) as bot:
            yield emu, bot, user_id


async def test_the_bot_sends_an_album_and_gets_a_ladder_back(
    bot_and_user: tuple[BotApiEmulator, ExtBot[None], int],
) -> None:
    emu, bot, user_id = bot_and_user
    messages = await bot.send_media_group(
        user_id, [InputMediaPhoto(sized_jpeg(2000, 1000), caption="before"),
                  InputMediaPhoto(sized_jpeg(1000, 2000))])
    assert len(messages) == 2
    assert messages[0].media_group_id == messages[1].media_group_id is not None
    assert messages[0].caption == "before"
    assert max(messages[1].photo[-1].width, messages[1].photo[-1].height) == 1280
    file = await bot.get_file(messages[0].photo[-1].file_id)
    data = await file.download_as_bytearray()
    assert Image.open(io.BytesIO(bytes(data))).size == (1280, 640)
    again = await bot.send_photo(user_id, messages[0].photo[-1].file_id)
    assert again.photo[-1].file_unique_id == messages[0].photo[-1].file_unique_id
    document = await bot.send_document(user_id, b"%PDF-1.4 ledger", filename="ledger.pdf")
    assert document.document is not None and document.document.file_name == "ledger.pdf"
    fetched = await (await bot.get_file(document.document.file_id)).download_as_bytearray()
    assert bytes(fetched) == b"%PDF-1.4 ledger"
    assert emu.refusals == []
