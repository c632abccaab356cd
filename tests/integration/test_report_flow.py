"""End to end: a volunteer files a report through the real bot on the Telegram emulator, by
each way in, and the case lands in the right cell with its photos and the manager's alert."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import select

from models import Case, Draft, Outbox, Photo
from tests.support import images
from tests.support.harness import TelegramHarness
from tests.support.report import finish_from_place, through_to_summary, volunteer
from tests.support.report_world import (
    IN_GRADE1,
    TOWNSHIP,
    VILLAGE,
    add_manager,
    deps,
    press,
    texts,
    with_button,
)


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
        assert photo.platform_file_unique_id


async def run_album_acks(h: TelegramHarness) -> None:
    """Run the album acknowledgement now (its debounce timer would fire a moment later).

    (TelegramHarness.run_jobs reads `job.next_t`, which PTB 22 jobs do not have.)
    """
    queue = h.app.job_queue
    assert queue is not None
    for job in queue.jobs():
        if (job.name or "").startswith("report-album:"):
            await job.run(h.app)
            job.schedule_removal()
    await h.flush()


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


async def test_an_album_is_acknowledged_once_and_all_its_photos_become_evidence(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    await add_manager(deps(h).sessions, 5001, "Township manager", TOWNSHIP)
    user = await volunteer(h)
    await h.send_text(user, "/report")
    await press(h, user, "Swimming or fishing")
    before = len(h.messages_to(user))
    album = [images.jpeg(seed=n) for n in (21, 22, 23)]
    await h.send_album(user, album, album_wait=0)
    await run_album_acks(h)
    acks = [t for t in texts(h, user, before) if "Photos so far" in t]
    assert acks == ["Send 1 to 10 photos of the problem: photos, an album, or files (a file "
                    "keeps the place where it was taken). Then press Done.\n\n"
                    "Photos so far: 3 of 10."]
    await press(h, user, "✅ Done")
    await h.send_location(user, *IN_GRADE1)
    await finish_from_place(h, user)
    [(case, photos)] = await cases_with_photos(h)
    assert len(photos) == 3 and len({p.sha256 for p in photos}) == 3
    assert_photos_on_disk(h, photos)
    # nobody manages the village: the township's manager hears of it
    assert await case_new_recipients(h, case.id) == {"5001"}


async def test_a_file_with_gps_offers_its_place_and_is_kept_unaltered(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    await add_manager(deps(h).sessions, 5001, "Village manager", VILLAGE)
    user = await volunteer(h)
    await h.send_text(user, "/report")
    await press(h, user, "Outfall or sewage discharge")
    original = images.jpeg_with_exif(lat=IN_GRADE1[0], lon=IN_GRADE1[1])
    await h.send_photo(user, original, as_file=True)
    await press(h, user, "✅ Done")
    assert any("Your photo file says where it was taken: 30.79000, 119.96000" in t
               for t in texts(h, user))
    await press(h, user, "✅ Use the photo's place")
    await finish_from_place(h, user)
    [(case, [photo])] = await cases_with_photos(h)
    assert photo.sha256 == hashlib.sha256(original).hexdigest()
    assert (photo.exif_lat, photo.exif_lon) == (IN_GRADE1[0], IN_GRADE1[1]) or (
        abs((photo.exif_lat or 0) - IN_GRADE1[0]) < 1e-4)
    assert_photos_on_disk(h, [photo])
    assert photo.platform_file_id is None  # a file keeps its EXIF: never sent on by its own id
    assert (case.zone, case.lat) == ("grade1", photo.exif_lat)
    assert await case_new_recipients(h, case.id) == {"5001"}


async def test_the_menus_route_to_the_chosen_village(bot_harness: TelegramHarness) -> None:
    h = bot_harness
    await add_manager(deps(h).sessions, 5001, "Village manager", VILLAGE)
    user = await volunteer(h)
    await h.send_text(user, "/report")
    await press(h, user, "Dumped garbage")
    await h.send_photo(user, images.jpeg(seed=31))
    await press(h, user, "✅ Done")
    await h.send_text(user, "📋 Choose from a list")
    await press(h, user, "老虎潭水库")
    await press(h, user, "妙西东北村")
    await finish_from_place(h, user)
    [(case, photos)] = await cases_with_photos(h)
    assert len(photos) == 1
    async with deps(h).sessions() as s:
        from models import GridCell

        cell = await s.get(GridCell, case.cell_id)
        assert cell is not None and cell.code == VILLAGE
    assert case.zone is None  # a village picked from a list says nothing about the zone
    assert await case_new_recipients(h, case.id) == {"5001"}


async def test_a_forwarded_photo_starts_a_report_prefilled_with_it(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    await add_manager(deps(h).sessions, 5001, "Village manager", VILLAGE)
    user = await volunteer(h)
    group = h.group("Patrol friends", [user])
    posted = await h.send_photo(user, images.jpeg(seed=41), caption="dead fish by the dam",
                                chat=group)
    await h.forward(user, posted)
    assert any("forwarded message (1 photo)" in t for t in texts(h, user))
    await press(h, user, "🚨 Abnormal water (colour, smell, dead fish)")
    await press(h, user, "✅ Done")
    await h.send_location(user, *IN_GRADE1)
    assert any("So far: dead fish by the dam" in t for t in texts(h, user))
    await finish_from_place(h, user)
    [(case, photos)] = await cases_with_photos(h)
    assert (case.category, case.emergency, case.description) == (
        "abnormal_water", True, "dead fish by the dam")
    assert len(photos) == 1
    assert_photos_on_disk(h, photos)
    assert "5001" in await case_new_recipients(h, case.id)
