"""Every picture made of a case's photos carries one stamp (services.cases.stamp): the case number,
the capture time from EXIF ("拍摄") or else the time the bot received the photo ("接收"), in
local time, the place as accepted and the cell. Seen on the display copies of a report with
a photo file that kept its time and a compressed photo that did not, on the group's copy and
on the before/after picture (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PIL import Image, ImageChops, ImageStat
from sqlalchemy import select

import handlers.notices.cases
import services.cases.display
import services.cases.stamp
from handlers.notices.cases import before_after_picture
from handlers.notices.groups import group_photos
from models import Case, Photo, PhotoKind
from services.i18n import translator
from services.photos import ingest
from services.photos import render as photo_render
from services.photos.files import FileStore
from services.photos.rows import photo_row
from tests.support import images
from tests.support.harness import TelegramHarness
from tests.support.report import finish_from_place, volunteer
from tests.support.report_world import IN_GRADE1, deps, press

TAKEN_LOCAL = "2026-05-01 09:30 CST"  # tests.support.images.TAKEN, a camera's local time in Huzhou
BAND = (32, 32, 32)


def recorder(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[list[str]]:
    """Record the stamp lines each call of `module.name` draws (the drawing still runs)."""
    seen: list[list[str]] = []
    real = getattr(module, name)

    def record(*args: Any, **kwargs: Any) -> bytes:
        lines: Sequence[str] = kwargs.get("stamp", args[1] if name == "render_display_copy"
                                          else ())
        seen.append(list(lines))
        return bytes(real(*args, **kwargs))

    monkeypatch.setattr(module, name, record)
    return seen


def received_local(photo: Photo) -> str:
    local = photo.created_at.astimezone(ZoneInfo("Asia/Shanghai"))
    return local.strftime("%Y-%m-%d %H:%M CST")


def band_lines(copy: Image.Image, count: int) -> list[Image.Image]:
    """The stamp's text lines of a display copy, cut out as services.photos.render lays them."""
    font_size = max(12, 1280 // 50)
    font, _ = photo_render._font(font_size)
    pad = max(6, font_size // 2)
    height = round(photo_render._line_height(font) * 1.25)
    top = copy.height - (count * height + 2 * pad) + pad
    return [copy.crop((0, top + i * height, copy.width, top + (i + 1) * height))
            for i in range(count)]


def ink(region: Image.Image) -> float:
    """How much of a band region is drawn on: the brightest pixels are the stamp's white ink."""
    return float(ImageStat.Stat(region.convert("L")).extrema[0][1])


async def test_display_copies_say_taken_from_exif_or_received_and_share_the_stamp(
    bot_harness: TelegramHarness, monkeypatch: pytest.MonkeyPatch,
) -> None:
    h = bot_harness
    monkeypatch.setattr(services.cases.stamp, "has_cjk_font", lambda: True)  # any fonts here
    stamps = recorder(monkeypatch, services.cases.display, "render_display_copy")
    user = await volunteer(h)
    await h.send_text(user, "/report")
    await press(h, user, "Dumped garbage")
    await h.send_photo(user, images.jpeg_with_exif(lat=IN_GRADE1[0], lon=IN_GRADE1[1]),
                       as_file=True)
    await h.send_photo(user, images.jpeg(800, 600, seed=91))  # compressed: no EXIF survives
    await press(h, user, "✅ Done")
    await h.send_location(user, *IN_GRADE1)
    await finish_from_place(h, user)
    settings = deps(h).settings
    async with deps(h).sessions() as s:
        case = (await s.scalars(select(Case))).one()
        with_time, without = list(await s.scalars(select(Photo).order_by(Photo.id)))
    assert with_time.exif_time is not None and without.exif_time is None

    place = "30.79000, 119.96000"
    cell = "330502100004 妙西东北村"
    assert stamps == [
        [case.number, f"拍摄 {TAKEN_LOCAL}", place, cell],
        [case.number, f"接收 {received_local(without)}", place, cell],
    ]
    copies = []
    for photo in (with_time, without):
        assert photo.display_path is not None
        data = (settings.photos_dir / photo.display_path).read_bytes()
        copies.append(Image.open(io.BytesIO(data)).convert("RGB"))
    first, second = (band_lines(c, 4) for c in copies)
    assert all(ink(line) > 200 for line in first + second)  # every line is drawn
    # the same number, place and cell; the time lines differ where they are drawn
    differs = [ImageStat.Stat(ImageChops.difference(a, b)).mean[0] for a, b in
               zip(first, second, strict=True)]
    assert differs[1] > 3 * max(differs[0], differs[2], differs[3], 0.5), differs

    # a group is sent the managers' stamped copy, not a copy of its own
    async with deps(h).sessions() as s:
        fresh = await s.get(Case, case.id)
        assert fresh is not None
        _, picture = await group_photos(s, fresh, settings)
    assert picture is not None and with_time.display_path is not None
    assert await picture.draw() == (settings.photos_dir / with_time.display_path).read_bytes()


async def test_without_a_chinese_font_the_stamp_still_says_taken_in_english(
    bot_harness: TelegramHarness, monkeypatch: pytest.MonkeyPatch,
) -> None:
    h = bot_harness
    monkeypatch.setattr(photo_render, "CJK_FONTS", ())  # a machine without fonts-wqy-microhei
    stamps = recorder(monkeypatch, services.cases.display, "render_display_copy")
    user = await volunteer(h)
    await h.send_text(user, "/report")
    await press(h, user, "Dumped garbage")
    await h.send_photo(user, images.jpeg_with_exif(lat=IN_GRADE1[0], lon=IN_GRADE1[1]),
                       as_file=True)
    await press(h, user, "✅ Done")
    await h.send_location(user, *IN_GRADE1)
    await finish_from_place(h, user)
    async with deps(h).sessions() as s:
        case = (await s.scalars(select(Case))).one()
    assert stamps == [[case.number, f"taken {TAKEN_LOCAL}", "30.79000, 119.96000",
                       "330502100004 妙西东北村"]]


async def test_the_before_after_picture_is_stamped_like_a_display_copy(
    bot_harness: TelegramHarness, monkeypatch: pytest.MonkeyPatch,
) -> None:
    h = bot_harness
    monkeypatch.setattr(services.cases.stamp, "has_cjk_font", lambda: True)  # any fonts here
    drawn = recorder(monkeypatch, handlers.notices.cases, "before_after")
    user = await volunteer(h)
    await h.send_text(user, "/report")
    await press(h, user, "Dumped garbage")
    await h.send_photo(user, images.jpeg(800, 600, seed=92))
    await press(h, user, "✅ Done")
    await h.send_location(user, *IN_GRADE1)
    await finish_from_place(h, user)
    settings = deps(h).settings
    async with deps(h).sessions() as s:
        case = (await s.scalars(select(Case))).one()
        before = (await s.scalars(select(Photo))).one()
        facts, stored = await ingest(images.jpeg_with_exif(seed=93), settings.photos,
                                     FileStore(settings.photos_dir))
        after = photo_row(facts, stored, case.created_at, kind=PhotoKind.AFTER,
                          uploaded_by_id=before.uploaded_by_id or 0, case_id=case.id)
        s.add(after)
        await s.commit()
        picture = await before_after_picture(s, case, after.id, settings, translator("zh_CN"))
    assert picture is not None
    data = await picture.draw()
    assert data is not None
    assert drawn == [[case.number, f"整改前 接收 {received_local(before)}",
                      f"整改后 拍摄 {TAKEN_LOCAL}", "30.79000, 119.96000",
                      "330502100004 妙西东北村"]]
    with Image.open(io.BytesIO(data)) as img:
        assert max(img.size) <= 1280
        bottom = img.convert("RGB").crop((0, img.height - 6, 4, img.height))
        for (low, high), band in zip(ImageStat.Stat(bottom).extrema, BAND, strict=True):
            assert band - 14 <= low <= high <= band + 14  # the stamp's dark band at the foot
        assert all(ink(line) > 200 for line in band_lines(img.convert("RGB"), 5))
