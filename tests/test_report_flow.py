"""End to end: a volunteer files a report through the real bot on the Telegram emulator, by
each way in, and the case lands in the right cell with its photos and the manager's alert."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sqlalchemy import select

from models import Case, Draft, Outbox, Photo
from tests import images
from tests.harness import SimUser, TelegramHarness
from tests.report_world import IN_GRADE1, add_manager, press, texts, with_button

VILLAGE = "330502100004"  # 妙西东北村, holds 老虎潭水库's grade I zone
TOWNSHIP = "330502100"  # 妙西镇


def deps(h: TelegramHarness) -> Any:
    return h.app.bot_data["deps"]


async def volunteer(h: TelegramHarness, name: str = "Volunteer") -> SimUser:
    user = h.user(name, language_code="en")
    await h.send_text(user, "/start")
    return user


async def cases_with_photos(h: TelegramHarness) -> list[tuple[Case, list[Photo]]]:
    async with deps(h).sessions() as s:
        found = []
        for case in await s.scalars(select(Case).order_by(Case.id)):
            photos = list(await s.scalars(select(Photo).where(Photo.case_id == case.id)))
            found.append((case, photos))
        return found


async def case_new_recipients(h: TelegramHarness, case_id: int) -> set[str]:
    async with deps(h).sessions() as s:
        rows = await s.scalars(select(Outbox).where(Outbox.case_id == case_id,
                                                    Outbox.kind == "case_new"))
        return {r.chat_id for r in rows}


def assert_photos_on_disk(h: TelegramHarness, photos: list[Photo]) -> None:
    root: Path = deps(h).settings.photos_dir
    for photo in photos:
        stored = (root / photo.stored_path).read_bytes()
        assert hashlib.sha256(stored).hexdigest() == photo.sha256
        assert photo.platform_file_id


async def through_to_summary(h: TelegramHarness, user: SimUser, description: str | None) -> None:
    if description is None:
        await press(h, user, "Skip")
    else:
        await h.send_text(user, description)
    await press(h, user, "high")


async def test_photo_and_location_share_file_a_case_with_the_village_manager_alerted(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    await add_manager(deps(h).sessions, 5001, "Village manager", VILLAGE)
    user = await volunteer(h)
    await h.send_text(user, "/report")
    await press(h, user, "Dumped garbage")
    await h.send_photo(user, images.jpeg(seed=11))
    await press(h, user, "✅ Done")
    await h.send_location(user, *IN_GRADE1)
    assert any("妙西东北村" in t and "grade I" in t for t in texts(h, user))
    await through_to_summary(h, user, "pipe <b>bold</b> *stars* & co")
    summary = with_button(h, user, "✅ Send the report")["text"]
    assert "pipe <b>bold</b> *stars* & co" in summary  # shown as typed, not as markup
    assert "湖州市 › 吴兴区 › 妙西镇 › 妙西东北村" in summary and "老虎潭水库" in summary
    await press(h, user, "✅ Send the report")
    [(case, photos)] = await cases_with_photos(h)
    assert case.number in texts(h, user)[-1] and "妙西东北村" in texts(h, user)[-1]
    assert (case.category, case.zone, case.severity) == ("garbage", "grade1", "urgent")
    assert case.description == "pipe <b>bold</b> *stars* & co"
    assert len(photos) == 1
    assert_photos_on_disk(h, photos)
    assert await case_new_recipients(h, case.id) == {"5001"}
    async with deps(h).sessions() as s:
        assert (await s.scalars(select(Draft))).first() is None
