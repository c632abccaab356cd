"""Bad input in the report conversation: each time the reporter is told what to do instead,
and nothing half-written is left behind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from models import Case, Draft, Photo
from tests.support import images
from tests.support.harness import SimUser, TelegramHarness
from tests.support.report_world import IN_GRADE1, OUTSIDE, press, texts, with_button


def deps(h: TelegramHarness) -> Any:
    return h.app.bot_data["deps"]


async def at_photos(h: TelegramHarness) -> SimUser:
    user = h.user("Volunteer", language_code="en")
    await h.send_text(user, "/start")
    await h.send_text(user, "/report")
    await press(h, user, "Dumped garbage")
    return user


async def at_description(h: TelegramHarness) -> SimUser:
    user = await at_photos(h)
    await h.send_photo(user, images.jpeg(seed=1))
    await press(h, user, "✅ Done")
    await h.send_location(user, *IN_GRADE1)
    return user


async def photo_rows(h: TelegramHarness) -> int:
    async with deps(h).sessions() as s:
        return int(await s.scalar(select(func.count(Photo.id))) or 0)


async def draft_of(h: TelegramHarness) -> Draft:
    async with deps(h).sessions() as s:
        return (await s.scalars(select(Draft))).one()


def stored_files(h: TelegramHarness) -> list[Path]:
    root: Path = deps(h).settings.photos_dir
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


async def test_text_where_a_photo_is_asked_gets_a_hint(bot_harness: TelegramHarness) -> None:
    h = bot_harness
    user = await at_photos(h)
    await h.send_text(user, "there is a pipe")
    assert "Please send a photo of the problem" in texts(h, user)[-1]
    assert await photo_rows(h) == 0 and (await draft_of(h)).step == "photos"


async def test_a_sticker_and_a_voice_note_are_not_evidence(bot_harness: TelegramHarness) -> None:
    h = bot_harness
    user = await at_photos(h)
    h.emulator.users.send_sticker(user.id, "💩")
    await h.flush()
    assert "A sticker cannot show the problem" in texts(h, user)[-1]
    h.emulator.users.send_voice(user.id, b"OggS" + b"\0" * 100, 3)
    await h.flush()
    assert "Voice notes cannot be kept as evidence" in texts(h, user)[-1]
    assert await photo_rows(h) == 0 and stored_files(h) == []


@pytest.mark.parametrize(
    ("data", "told"),
    [
        (images.zero_bytes(), "That file is empty"),
        (images.truncated_jpeg(), "damaged or incomplete"),
        (images.text_as_jpg(), "not a picture"),
        (images.png_bomb(), "too many pixels"),
        (images.fake_heic(), "HEIC/HEIF pictures cannot be read here"),
        (images.animated_gif(), "That is an animation"),
    ],
    ids=["zero-byte", "truncated", "text", "png-bomb", "heic", "animated-gif"],
)
async def test_files_that_are_not_usable_pictures_are_refused_with_what_to_do(
    bot_harness: TelegramHarness, data: bytes, told: str
) -> None:
    h = bot_harness
    user = await at_photos(h)
    await h.send_document(user, data, "IMG_0001.jpg", "image/jpeg")
    assert told in texts(h, user)[-1]
    assert await photo_rows(h) == 0 and stored_files(h) == []
    assert (await draft_of(h)).step == "photos"


@pytest.mark.parametrize("data", [images.gif(), images.webp()], ids=["gif", "webp"])
async def test_still_gif_and_webp_files_are_taken(bot_harness: TelegramHarness,
                                                  data: bytes) -> None:
    h = bot_harness
    user = await at_photos(h)
    await h.send_document(user, data, "picture.bin", "application/octet-stream")
    assert "Photos so far: 1 of 10." in texts(h, user)[-1]
    assert await photo_rows(h) == 1
    async with deps(h).sessions() as s:
        photo = (await s.scalars(select(Photo))).one()
    assert (deps(h).settings.photos_dir / photo.stored_path).read_bytes() == data


async def test_an_eleventh_photo_is_refused_and_ten_are_kept(bot_harness: TelegramHarness) -> None:
    h = bot_harness
    user = await at_photos(h)
    await h.send_album(user, [images.jpeg(seed=n) for n in range(100, 110)], album_wait=0)
    assert await photo_rows(h) == 10
    files = stored_files(h)
    await h.send_photo(user, images.jpeg(seed=200))
    assert "already has 10 photos" in texts(h, user)[-1]
    assert await photo_rows(h) == 10 and stored_files(h) == files


async def test_a_description_of_5000_characters_is_refused_and_nothing_saved(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    user = await at_description(h)
    await h.send_text(user, "水" * 5000)
    assert "That description has 5000 characters; at most 1000 fit" in texts(h, user)[-1]
    draft = await draft_of(h)
    assert (draft.step, draft.description) == ("description", None)
    await h.send_text(user, "水" * 1000)
    assert (await draft_of(h)).description == "水" * 1000


async def test_a_button_from_an_old_summary_says_so_and_files_nothing(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    user = await at_description(h)
    await press(h, user, "Skip")
    await press(h, user, "✓ medium")
    old_summary = with_button(h, user, "✅ Send the report")
    await h.send_text(user, "/cancel")
    assert "Report cancelled" in texts(h, user)[-1]
    await h.send_text(user, "/report")  # a new draft; on SQLite it may even reuse the id
    query = await h.press(user, old_summary, "✅ Send the report")
    answer = h.callback_answer(query)
    assert answer is not None and "already sent or cancelled" in answer["text"]
    async with deps(h).sessions() as s:
        assert await s.scalar(select(func.count(Case.id))) == 0
        assert (await s.scalars(select(Draft))).one().step == "category"


async def test_a_button_of_an_earlier_question_is_refused(bot_harness: TelegramHarness) -> None:
    h = bot_harness
    user = await at_photos(h)
    asked, before = texts(h, user)[-1], len(texts(h, user))
    categories = next(m for m in h.messages_to(user) if m["text"].startswith("What is the"))
    # its buttons were taken off when pressed; a client that still shows them sends this:
    data = f"r|{(await draft_of(h)).extra['token']}|c|other"
    query = h.emulator.users.press(user.id, user.id, categories["message_id"], data)
    await h.flush()
    answer = h.callback_answer(query)
    assert answer is not None and "earlier question" in answer["text"]
    assert (await draft_of(h)).category == "garbage"
    # the question the draft is at comes again, in case its message was lost with a crash
    assert texts(h, user)[before:] == [asked]


@pytest.mark.parametrize("typed", ["north of the dam", "30.87", "95, 120.09", "30.87 120.09 7"])
async def test_coordinates_that_do_not_parse_are_explained(bot_harness: TelegramHarness,
                                                           typed: str) -> None:
    h = bot_harness
    user = await at_photos(h)
    await h.send_photo(user, images.jpeg(seed=1))
    await press(h, user, "✅ Done")
    before = len(texts(h, user))
    await h.send_text(user, typed)
    why, again = texts(h, user, before)
    assert "I could not read a place" in why
    assert again.startswith("Where is it?")  # the question once more, with its keyboard
    draft = await draft_of(h)
    assert (draft.step, draft.lat, draft.lon) == ("place", None, None)


async def test_a_place_outside_every_cell_is_refused_and_the_menus_decide_the_cell(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    user = await at_photos(h)
    await h.send_photo(user, images.jpeg(seed=1))
    await press(h, user, "✅ Done")
    await h.send_text(user, f"{OUTSIDE[0]}, {OUTSIDE[1]}")
    assert any("is outside every grid cell I know, so I did not keep it" in t
               for t in texts(h, user)[-3:])
    assert ((await draft_of(h)).lat, (await draft_of(h)).lon) == (None, None)
    await press(h, user, "老虎潭水库")
    await press(h, user, "妙西东北村")
    await press(h, user, "Skip")
    await press(h, user, "✓ medium")
    await press(h, user, "✅ Send the report")
    async with deps(h).sessions() as s:
        case = (await s.scalars(select(Case))).one()
        # the refused point is kept nowhere: the case has the village, and no coordinates
        assert (case.lat, case.lon, case.place_source) == (None, None, "menu")
        assert case.zone is None


async def test_html_in_the_description_is_shown_escaped_in_the_summary(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    user = await at_description(h)
    words = '<a href="http://x">click</a> **bold** _it_ </b>'
    await h.send_text(user, words)
    await press(h, user, "✓ medium")
    summary = with_button(h, user, "✅ Send the report")
    assert words in summary["text"]
    assert not [e for e in summary.get("entities", []) if e["type"] in ("text_link", "italic")]


async def test_an_album_past_the_limit_is_refused_once(bot_harness: TelegramHarness) -> None:
    h = bot_harness
    user = await at_photos(h)
    await h.send_album(user, [images.jpeg(seed=n) for n in range(300, 308)], album_wait=0)
    before = len(h.messages_to(user))
    await h.send_album(user, [images.jpeg(seed=n) for n in range(400, 405)], album_wait=0)
    refusals = [t for t in texts(h, user, before) if "already has 10 photos" in t]
    assert len(refusals) == 1
    assert await photo_rows(h) == 10


@pytest.mark.parametrize(("language", "told"), [("en", "already has that photo"),
                                                ("zh-hans", "已有这张照片")])
async def test_the_same_photo_twice_is_kept_once_and_the_reporter_told(
    bot_harness: TelegramHarness, language: str, told: str
) -> None:
    """A photo update handled twice (re-delivered after a crash, or sent again) adds one photo."""
    h = bot_harness
    user = h.user("Volunteer", language_code=language)
    await h.send_text(user, "/start")
    await h.send_text(user, "/report")
    await press(h, user, "Dumped garbage" if language == "en" else "垃圾堆放")
    photo = images.jpeg(seed=7)
    await h.send_photo(user, photo)
    await h.send_photo(user, photo)
    assert told in "\n".join(texts(h, user)[-2:])
    assert await photo_rows(h) == 1
    with_button(h, user, "✅ Done" if language == "en" else "✅ 完成")


async def test_no_words_at_the_description_step_bring_the_skip_button_back(
    bot_harness: TelegramHarness,
) -> None:
    """The description's own message may have died with the bot: the hint carries Skip."""
    h = bot_harness
    user = await at_description(h)
    before = len(h.messages_to(user))
    await h.send_location(user, *IN_GRADE1)  # a second location where words are asked
    why, again = h.messages_to(user)[before:]
    assert "type a few words" in why["text"]
    assert again["text"].startswith("Describe what you see") and "Skip" in str(
        again["reply_markup"])
    await press(h, user, "Skip")
    assert (await draft_of(h)).step == "severity"
