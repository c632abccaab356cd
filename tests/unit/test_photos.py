"""Photos as a reporter and a manager meet them: refusals they can act on, time and place read
from files that kept them, originals kept byte for byte, clean display copies, duplicates found."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import os
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from PIL import ExifTags, Image

from services.i18n import LOCALES_DIR, translator
from services.photos import (
    LABEL_AFTER,
    LABEL_BEFORE,
    REJECT_MESSAGES,
    UNSUPPORTED_ANIMATION,
    UNSUPPORTED_HEIF,
    PhotoLimits,
    PhotoRejected,
    RejectReason,
    before_after,
    before_after_async,
    display_source,
    hamming,
    ingest,
    inspect_photo,
    inspect_photo_async,
    prepare_photo,
    render_display_copy,
    render_display_copy_async,
    store_base,
    store_original,
)
from services.photos import render as photo_render
from services.photos.files import FileStore
from tests.support import images

LIMITS = PhotoLimits()
STAMP = ["HZ-2026-000123", "2026-05-01 09:30 (UTC+8)", "30.87083, 120.09028",
         "湖州市 / 吴兴区 / 妙西镇 / 妙山村"]


def _open(data: bytes) -> Image.Image:
    img = Image.open(BytesIO(data))
    img.load()
    return img


def _refusal(data: bytes, limits: PhotoLimits = LIMITS) -> PhotoRejected:
    with pytest.raises(PhotoRejected) as caught:
        inspect_photo(data, limits)
    return caught.value


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "reason", "msgid"),
    [
        (images.zero_bytes, RejectReason.EMPTY, REJECT_MESSAGES[RejectReason.EMPTY]),
        (images.text_as_jpg, RejectReason.NOT_IMAGE, REJECT_MESSAGES[RejectReason.NOT_IMAGE]),
        (images.truncated_jpeg, RejectReason.CORRUPT, REJECT_MESSAGES[RejectReason.CORRUPT]),
        (images.fake_heic, RejectReason.UNSUPPORTED, UNSUPPORTED_HEIF),
        (images.animated_gif, RejectReason.UNSUPPORTED, UNSUPPORTED_ANIMATION),
        (images.animated_webp, RejectReason.UNSUPPORTED, UNSUPPORTED_ANIMATION),
        (images.animated_png, RejectReason.UNSUPPORTED, UNSUPPORTED_ANIMATION),
        (images.damaged_png, RejectReason.CORRUPT, REJECT_MESSAGES[RejectReason.CORRUPT]),
        (images.bmp, RejectReason.UNSUPPORTED, REJECT_MESSAGES[RejectReason.UNSUPPORTED]),
    ],
)
def test_bad_files_are_refused_with_the_reason(
    make: Callable[[], bytes], reason: RejectReason, msgid: str
) -> None:
    err = _refusal(make())
    assert err.reason is reason
    assert err.msgid == msgid


def test_a_file_over_the_byte_limit_is_refused_and_the_limit_named() -> None:
    data = images.jpeg()
    err = _refusal(data, PhotoLimits(max_file_bytes=len(data) - 1))
    assert err.reason is RejectReason.TOO_LARGE
    assert inspect_photo(data, PhotoLimits(max_file_bytes=len(data))).size_bytes == len(data)
    # over 20 MB of anything: refused on its length alone, before any parsing
    huge = b"\xff\xd8\xff" + b"\x00" * 20_000_000
    err = _refusal(huge)
    assert err.reason is RejectReason.TOO_LARGE
    assert "20 MB" in err.render(translator("en"))
    assert "20 MB" in err.render(translator("zh_CN"))


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (7_000, 7_000),  # 49 MP: past our 40 MP bound, under Pillow's own
        (10_000, 10_000),  # 100 MP: Pillow warns (made an error)
        (20_000, 20_000),  # 400 MP: Pillow refuses outright
    ],
)
def test_a_decompression_bomb_is_refused_from_its_header(width: int, height: int) -> None:
    bomb = images.png_bomb(width, height)
    assert len(bomb) < 1_000_000  # a small file that would decode to width*height pixels
    err = _refusal(bomb)
    assert err.reason is RejectReason.TOO_MANY_PIXELS
    assert err.values == {"max_pixels": 40_000_000}
    assert "最多 4000 万像素" in err.render(translator("zh_CN"))
    assert "at most 40 million pixels" in err.render(translator("en"))
    with pytest.raises(PhotoRejected) as caught:
        render_display_copy(bomb, STAMP)
    assert caught.value.reason is RejectReason.TOO_MANY_PIXELS


def test_the_pixel_bound_comes_from_the_limits() -> None:
    data = images.jpeg(800, 600)
    assert _refusal(data, PhotoLimits(max_pixels=800 * 600 - 1)).reason is (
        RejectReason.TOO_MANY_PIXELS)
    assert inspect_photo(data, PhotoLimits(max_pixels=800 * 600)).width == 800


def test_every_refusal_reads_well_in_both_languages() -> None:
    errors = [PhotoRejected(RejectReason.TOO_LARGE, limit_mb=20),
              PhotoRejected(RejectReason.TOO_MANY_PIXELS, max_pixels=40_000_000),
              PhotoRejected(RejectReason.UNSUPPORTED, UNSUPPORTED_HEIF),
              PhotoRejected(RejectReason.UNSUPPORTED, UNSUPPORTED_ANIMATION)]
    errors += [PhotoRejected(r) for r in RejectReason
               if r not in (RejectReason.TOO_LARGE, RejectReason.TOO_MANY_PIXELS)]
    for err in errors:
        english = err.render(translator("en"))
        chinese = err.render(translator("zh_CN"))
        assert "{" not in english and "{" not in chinese
        assert chinese != english
        assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese)
    assert "photo, not as a file" in PhotoRejected(
        RejectReason.UNSUPPORTED, UNSUPPORTED_HEIF).render(translator("en"))


def test_the_catalogues_hold_every_photo_message() -> None:
    msgids = {*REJECT_MESSAGES.values(), UNSUPPORTED_HEIF, UNSUPPORTED_ANIMATION,
              LABEL_BEFORE, LABEL_AFTER}
    for language in ("zh_CN", "en"):
        with (LOCALES_DIR / language / "LC_MESSAGES" / "photos.po").open("rb") as handle:
            catalogue = {m.id: m.string for m in read_po(handle) if m.id}
        assert msgids <= catalogue.keys()
        assert all(catalogue[m] for m in msgids)
    assert translator("zh_CN")(LABEL_BEFORE) == "整改前"


# --- what is accepted and what is read ----------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "mime", "size"),
    [
        (images.jpeg, "image/jpeg", (800, 600)),
        (images.png, "image/png", (640, 480)),
        (lambda: images.png(alpha=True), "image/png", (640, 480)),
        (images.webp, "image/webp", (640, 480)),
        (images.gif, "image/gif", (320, 240)),  # a still GIF is taken like a PNG
    ],
)
def test_still_pictures_are_accepted(
    make: Callable[[], bytes], mime: str, size: tuple[int, int]
) -> None:
    data = make()
    facts = inspect_photo(data)
    assert (facts.mime, (facts.width, facts.height)) == (mime, size)
    assert facts.size_bytes == len(data)
    assert facts.sha256 == hashlib.sha256(data).hexdigest()
    copy = _open(render_display_copy(data, STAMP))
    assert copy.format == "JPEG" and copy.mode == "RGB"


def test_time_and_place_are_read_from_a_file_that_kept_them() -> None:
    facts = inspect_photo(images.jpeg_with_exif())
    # 09:30 on the camera's clock in Asia/Shanghai is 01:30 UTC
    assert facts.exif_time == datetime(2026, 5, 1, 1, 30, tzinfo=UTC)
    assert facts.exif_lat == pytest.approx(images.LAT, abs=1e-5)
    assert facts.exif_lon == pytest.approx(images.LON, abs=1e-5)


def test_a_recompressed_photo_has_neither_time_nor_place() -> None:
    facts = inspect_photo(images.recompressed(images.jpeg_with_exif()))
    assert (facts.exif_time, facts.exif_lat, facts.exif_lon) == (None, None, None)


def test_the_camera_clock_is_read_in_the_configured_zone_or_its_own_offset() -> None:
    data = images.jpeg_with_exif()
    assert inspect_photo(data, tz="UTC").exif_time == datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
    with_offset = images.jpeg_with_exif(offset="-05:00")
    assert inspect_photo(with_offset).exif_time == datetime(2026, 5, 1, 14, 30, tzinfo=UTC)
    assert inspect_photo(images.jpeg_with_exif(taken="0000:00:00 00:00:00")).exif_time is None
    assert inspect_photo(images.jpeg_with_exif(taken="yesterday")).exif_time is None


def test_southern_and_western_references_give_negative_degrees() -> None:
    facts = inspect_photo(images.jpeg_with_exif(lat=-33.8688, lon=-70.6693))
    assert facts.exif_lat == pytest.approx(-33.8688, abs=1e-4)
    assert facts.exif_lon == pytest.approx(-70.6693, abs=1e-4)


@pytest.mark.parametrize(
    ("lat", "lon", "lat_ref"),
    [
        (95.0, 120.0, None),  # past the pole
        (30.0, 200.0, None),
        (0.0, 0.0, None),  # a fix that never happened
        (30.0, 120.0, "X"),  # neither north nor south
    ],
)
def test_nonsense_gps_is_ignored(lat: float, lon: float, lat_ref: str | None) -> None:
    facts = inspect_photo(images.jpeg_with_exif(lat=lat, lon=lon, lat_ref=lat_ref))
    assert (facts.exif_lat, facts.exif_lon) == (None, None)
    assert facts.exif_time is not None  # the rest of the EXIF still counts


def test_a_turned_photo_is_measured_and_shown_upright() -> None:
    data = images.marked_jpeg(orientation=6)  # stored 800x600, meant to be seen 600x800
    assert _open(data).size == (800, 600)
    facts = inspect_photo(data)
    assert (facts.width, facts.height) == (600, 800)
    copy = _open(render_display_copy(data, []))
    assert copy.size == (600, 800)
    red, blue = copy.getpixel((300, 20)), copy.getpixel((300, 780))
    assert isinstance(red, tuple) and isinstance(blue, tuple)
    assert red[0] > 180 > red[2] and blue[2] > 180 > blue[0]


# --- storing the original -----------------------------------------------------------------------


def test_the_original_is_stored_byte_for_byte_under_its_sha256(tmp_path: Path) -> None:
    data = images.jpeg_with_exif()
    sha = hashlib.sha256(data).hexdigest()
    relative = store_original(tmp_path, data, sha)
    assert relative == f"{sha[:2]}/{sha[2:4]}/{sha}.jpg"
    assert (tmp_path / relative).read_bytes() == data
    assert store_original(tmp_path, data, sha) == relative  # again: same place, same bytes
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [f"{sha}.jpg"]


def test_store_refuses_a_hash_that_is_not_of_the_bytes(tmp_path: Path) -> None:
    data = images.png()
    with pytest.raises(ValueError):
        store_original(tmp_path, data, hashlib.sha256(b"other").hexdigest())
    with pytest.raises(ValueError):
        store_original(tmp_path, data, "../../etc/passwd")
    assert not any(tmp_path.iterdir())


async def test_ingest_stores_the_original_and_an_upright_display_base(tmp_path: Path) -> None:
    data = images.marked_jpeg(orientation=6)
    facts, relative = await ingest(data, LIMITS, FileStore(tmp_path), "Asia/Shanghai")
    assert relative == f"{facts.sha256[:2]}/{facts.sha256[2:4]}/{facts.sha256}.jpg"
    assert (tmp_path / relative).read_bytes() == data
    assert replace(await inspect_photo_async(data), phash=facts.phash) == facts
    source = await display_source(FileStore(tmp_path), relative)
    assert source != data
    _metadata_free(source)
    base = _open(source)
    assert base.size == (600, 800)  # already upright
    top = base.getpixel((300, 20))
    assert isinstance(top, tuple) and top[0] > 180
    # a display copy made from the base is the same picture as one made from the original
    from_base = _open(render_display_copy(source, STAMP))
    from_original = _open(render_display_copy(data, STAMP))
    assert from_base.size == from_original.size


async def test_the_base_is_optional_the_original_serves_when_it_is_gone(tmp_path: Path) -> None:
    data = images.jpeg_with_exif()
    facts, base = prepare_photo(data)
    relative = store_original(tmp_path, data, facts.sha256)
    assert await display_source(FileStore(tmp_path), relative) == data
    store_base(tmp_path, facts.sha256, base)
    assert await display_source(FileStore(tmp_path), relative) == base
    assert _open(base).size == (800, 600)  # smaller than the bound: never enlarged


@pytest.mark.parametrize(
    "make", [images.jpeg_with_exif, images.png, lambda: images.png(alpha=True), images.webp,
             images.gif, lambda: images.large_jpeg(dense=True)],
)
def test_prepare_reads_the_same_facts_as_inspect(make: Callable[[], bytes]) -> None:
    data = make()
    facts, base = prepare_photo(data)
    reference = inspect_photo(data)
    assert hamming(facts.phash, reference.phash) <= 6  # decoded at another scale: still a match
    assert replace(reference, phash=facts.phash) == facts
    img = _open(base)
    assert img.size == _fit_box((reference.width, reference.height), LIMITS.display_max_side)
    _metadata_free(base)


def _fit_box(size: tuple[int, int], side: int) -> tuple[int, int]:
    scale = min(side / size[0], side / size[1], 1.0)
    return round(size[0] * scale), round(size[1] * scale)


async def test_a_refused_picture_leaves_nothing_on_disk(tmp_path: Path) -> None:
    with pytest.raises(PhotoRejected):
        await ingest(images.truncated_jpeg(), LIMITS, FileStore(tmp_path))
    assert not await asyncio.to_thread(os.listdir, tmp_path)


# --- the display copy ---------------------------------------------------------------------------


def _metadata_free(data: bytes) -> None:
    img = _open(data)
    assert not img.getexif()
    assert not img.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert "comment" not in img.info and "icc_profile" not in img.info
    assert b"Exif" not in data and b"secret comment" not in data


def test_the_display_copy_is_small_stamped_and_without_metadata() -> None:
    original = images.large_jpeg()
    assert _open(original).getexif()  # the original has EXIF with GPS
    copy_bytes = render_display_copy(original, STAMP)
    _metadata_free(copy_bytes)
    copy = _open(copy_bytes)
    assert max(copy.size) <= 1280
    assert copy.width == 1280  # a landscape photo fills the width
    band = copy.crop((0, 960, copy.width, copy.height))  # below the 1280x960 photo
    assert copy.height > 960
    histogram = band.convert("L").histogram()
    bright = sum(histogram[200:]) / sum(histogram)
    assert 0.01 < bright < 0.3  # white text on a dark band
    assert sum(histogram[:80]) / sum(histogram) > 0.6


def test_a_small_photo_with_exif_and_comment_loses_both() -> None:
    original = images.jpeg_with_exif(orientation=6)
    assert _open(original).getexif() and b"secret comment" in original  # there was something
    _metadata_free(render_display_copy(original, STAMP))


def test_a_portrait_display_copy_keeps_within_the_bound_with_its_band() -> None:
    tall = images.jpeg(1500, 4000)
    copy = _open(render_display_copy(tall, [*STAMP, "x" * 400], max_side=1280))
    assert max(copy.size) <= 1280
    assert copy.height == 1280


@pytest.fixture
def no_cjk_font(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(photo_render, "CJK_FONTS", ())
    photo_render._font.cache_clear()
    yield
    photo_render._font.cache_clear()


@pytest.mark.usefixtures("no_cjk_font")
def test_without_a_chinese_font_the_stamp_falls_back_to_ascii() -> None:
    copy = _open(render_display_copy(images.jpeg(), STAMP))
    assert copy.format == "JPEG"
    assert photo_render._printable(STAMP[3], cjk=False) == "/ / /"
    assert photo_render._printable("HZ-2026-000123 妙西镇", cjk=False) == "HZ-2026-000123"


async def test_the_async_wrappers_give_the_same_pictures() -> None:
    data = images.jpeg()
    assert await render_display_copy_async(data, STAMP) == render_display_copy(data, STAMP)
    pair = ("before", "after")
    assert await before_after_async(data, data, pair) == before_after(data, data, pair)


# --- perceptual hash ----------------------------------------------------------------------------


def test_the_same_picture_resized_and_recompressed_hashes_close() -> None:
    original = images.jpeg_with_exif(1600, 1200, seed=11)
    reference = inspect_photo(original).phash
    assert len(reference) == 16
    for side, quality in [(1280, 80), (640, 60), (320, 40)]:
        copy = images.recompressed(original, side, quality)
        assert hamming(reference, inspect_photo(copy).phash) <= 6
    as_png = images.png(1600, 1200, seed=11)
    assert hamming(reference, inspect_photo(as_png).phash) <= 6


def test_a_turned_photo_hashes_like_its_upright_copy() -> None:
    turned = images.jpeg_with_exif(seed=12, orientation=6)
    upright = images.recompressed(turned)  # orientation applied, EXIF gone
    assert hamming(inspect_photo(turned).phash, inspect_photo(upright).phash) <= 6


def test_different_pictures_hash_far_apart() -> None:
    hashes = [inspect_photo(images.jpeg(seed=seed)).phash for seed in range(20, 28)]
    assert min(hamming(a, b) for a, b in itertools.combinations(hashes, 2)) > 12


def test_hamming_counts_differing_bits() -> None:
    assert hamming("0" * 16, "0" * 16) == 0
    assert hamming("0" * 16, "f" * 16) == 64
    assert hamming("8000000000000001", "0000000000000000") == 2
    with pytest.raises(ValueError):
        hamming("00", "000")


# --- before / after -----------------------------------------------------------------------------


def test_before_after_of_landscape_photos_stacks_them() -> None:
    out = before_after(images.large_jpeg(), images.jpeg(800, 600, seed=5), ("Before", "After"))
    _metadata_free(out)
    img = _open(out)
    assert max(img.size) <= 1280
    assert img.height == 1280 and img.height > img.width


def test_before_after_of_portrait_photos_puts_them_side_by_side() -> None:
    before = images.marked_jpeg(orientation=6)  # 600x800 upright
    after = images.jpeg_with_exif(seed=6, orientation=8)
    img = _open(before_after(before, after, ("整改前", "整改后")))
    assert img.width == 1280 and img.width > img.height
    top = img.getpixel((img.width // 4, img.height // 4))
    assert isinstance(top, tuple) and top[0] > 180  # the before photo's red top, upright


def test_before_after_respects_a_smaller_bound_and_refuses_bad_input() -> None:
    img = _open(before_after(images.jpeg(), images.png(), ("a", "b"), max_side=600))
    assert max(img.size) <= 600
    with pytest.raises(PhotoRejected) as caught:
        before_after(images.jpeg(), images.truncated_jpeg(), ("a", "b"))
    assert caught.value.reason is RejectReason.CORRUPT


def test_an_overlong_stamp_is_cut_to_a_few_lines_not_past_the_bound() -> None:
    copy = _open(render_display_copy(images.jpeg(), ["HZ-2026-000123", "妙" * 3000, "x" * 3000]))
    assert max(copy.size) <= 1280
    dark_band = copy.height - 600  # the 800x600 photo is not enlarged
    assert 0 < dark_band <= photo_render.MAX_STAMP_LINES * 40 + 40


async def test_many_copies_rendered_at_once_come_out_alike() -> None:
    data = images.jpeg_with_exif()
    expected = render_display_copy(data, STAMP)
    copies = await asyncio.gather(*(render_display_copy_async(data, STAMP) for _ in range(8)))
    assert all(copy == expected for copy in copies)
