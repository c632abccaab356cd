"""Display copies: a report photo sent as a FILE keeps its EXIF (GPS), so managers get the
stamped display copy (at most 1280 px, a footer band with number, time, place and cell, no
metadata), never the file itself; Telegram's id for the copy is kept and reused. A compressed
photo is sent on by its own id (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import re
from typing import Any

from PIL import Image
from sqlalchemy import select

from models import Case, Member, Photo
from services.notices.kinds import CaseNew
from services.notices.queue import queue
from tests.support import images
from tests.support.cases import send_outbox
from tests.support.harness import SimUser, TelegramHarness
from tests.support.report import finish_from_place, volunteer
from tests.support.report_world import IN_GRADE1, VILLAGE, add_manager, deps, press

BAND = (32, 32, 32)  # services.photos.render's footer colour


def sent_photo(h: TelegramHarness, chat: SimUser) -> dict[str, Any]:
    """The largest size of the last photo the bot sent to the chat."""
    with_photo = [m for m in h.messages_to(chat) if m.get("photo")]
    assert with_photo, "no photo was sent"
    largest: dict[str, Any] = with_photo[-1]["photo"][-1]
    return largest


def looks_like_band(img: Image.Image) -> bool:
    """The bottom rows at the left edge are the stamp band's dark grey (JPEG-blurred)."""
    rgb = img.convert("RGB")
    for y in range(rgb.height - 4, rgb.height):
        for x in range(2):
            pixel = rgb.getpixel((x, y))
            assert isinstance(pixel, tuple)
            if any(abs(int(a) - b) > 14 for a, b in zip(pixel, BAND, strict=True)):
                return False
    return True


def no_metadata(img: Image.Image) -> bool:
    return len(img.getexif()) == 0 and not img.info.get("exif") and not img.info.get("comment")


async def report_with_a_file(h: TelegramHarness, user: SimUser) -> tuple[Case, Photo]:
    await h.send_text(user, "/report")
    await press(h, user, "Outfall or sewage discharge")
    original = images.jpeg_with_exif(2400, 1800, lat=IN_GRADE1[0], lon=IN_GRADE1[1])
    with Image.open(io.BytesIO(original)) as check:
        assert check.getexif()  # the file does carry EXIF (GPS) to begin with
    await h.send_photo(user, original, as_file=True)
    await press(h, user, "✅ Done")
    await press(h, user, "✅ Use the photo's place")
    await finish_from_place(h, user)
    async with deps(h).sessions() as s:
        case = (await s.scalars(select(Case))).one()
        photo = (await s.scalars(select(Photo).where(Photo.case_id == case.id))).one()
    return case, photo


async def test_a_file_reaches_the_manager_as_the_stamped_copy_without_exif(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    await add_manager(deps(h).sessions, 5001, "Village manager", VILLAGE)
    manager = h.user("Village manager", language_code="en", user_id=5001)
    await h.send_text(manager, "/start")
    user = await volunteer(h)
    case, photo = await report_with_a_file(h, user)

    # The display copy: under photos_dir by content and case, <= 1280 px, a band, no metadata.
    assert photo.display_path is not None
    assert re.fullmatch(rf"display/../../{photo.sha256}-{case.id}\.jpg", photo.display_path)
    copy_bytes = (deps(h).settings.photos_dir / photo.display_path).read_bytes()
    with Image.open(io.BytesIO(copy_bytes)) as copy:
        assert max(copy.size) <= 1280
        assert no_metadata(copy)
        assert looks_like_band(copy)
        copy_size = copy.size
    assert b"secret comment" not in copy_bytes

    # The manager's alert carries that copy, as a photo, with no EXIF.
    await send_outbox(h)
    largest = sent_photo(h, manager)
    data = h.emulator.state.files[largest["file_id"]].data
    with Image.open(io.BytesIO(data)) as got:
        assert no_metadata(got)
        assert got.getexif().get_ifd(0x8825) == {}  # no GPS
        assert got.size == copy_size and looks_like_band(got)
    assert case.number in (h.last_message(manager).get("caption") or "")

    # Telegram's id for the copy is kept, and the next notice sends it by that id.
    async with deps(h).sessions() as s:
        kept = await s.get(Photo, photo.id)
        assert kept is not None and kept.platform_file_id == largest["file_id"]
    await add_manager(deps(h).sessions, 5002, "Second manager", VILLAGE)
    second = h.user("Second manager", language_code="en", user_id=5002)
    await h.send_text(second, "/start")
    uploads_before = len([f for f in h.emulator.state.files.values()
                          if f.file_path.startswith("photos/")])
    async with deps(h).sessions() as s:
        member = await s.scalar(select(Member).where(Member.platform_user_id == "5002"))
        await queue(s, CaseNew(case.id), recipient=member)
        await s.commit()
    await send_outbox(h)
    assert sent_photo(h, second)["file_id"] == largest["file_id"]
    uploads_after = len([f for f in h.emulator.state.files.values()
                         if f.file_path.startswith("photos/")])
    assert uploads_after == uploads_before  # sent by id: nothing uploaded again


async def test_a_compressed_photo_is_sent_on_by_its_own_id(bot_harness: TelegramHarness) -> None:
    h = bot_harness
    await add_manager(deps(h).sessions, 5001, "Village manager", VILLAGE)
    manager = h.user("Village manager", language_code="en", user_id=5001)
    await h.send_text(manager, "/start")
    user = await volunteer(h)
    await h.send_text(user, "/report")
    await press(h, user, "Dumped garbage")
    await h.send_photo(user, images.jpeg(seed=71))
    await press(h, user, "✅ Done")
    await h.send_location(user, *IN_GRADE1)
    await finish_from_place(h, user)
    async with deps(h).sessions() as s:
        photo = (await s.scalars(select(Photo))).one()
    assert photo.platform_file_id is not None
    assert photo.display_path is not None  # the stamped copy exists for the record too
    await send_outbox(h)
    assert sent_photo(h, manager)["file_id"] == photo.platform_file_id
