"""A cancelled or expired report takes its photo files with it, unless another photo (of a
filed case or another draft) is the same picture: files are named by content (SQLite and
PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.runtime.chores import run_sweep
from models import Draft, Photo, utcnow
from models.db import is_sqlite
from services.members import find_member
from services.photos import base_path, ingest
from services.photos.files import FileStore
from services.reports import drafts
from tests.support import images
from tests.support.harness import SimUser, TelegramHarness
from tests.support.report import finish_from_place, volunteer
from tests.support.report_world import IN_GRADE1, deps, press, texts


def files_of(h: TelegramHarness, photo: Photo) -> list[Path]:
    root: Path = deps(h).settings.photos_dir
    return [root / photo.stored_path, root / base_path(photo.sha256)]


async def draft_photos(h: TelegramHarness) -> list[Photo]:
    async with deps(h).sessions() as s:
        found = await s.scalars(
            select(Photo).where(Photo.case_id.is_(None)).order_by(Photo.id))
        return list(found)


async def start_with_photo(h: TelegramHarness, user: SimUser, picture: bytes) -> Photo:
    await h.send_text(user, "/report")
    await press(h, user, "Dumped garbage")
    await h.send_photo(user, picture)
    return max(await draft_photos(h), key=lambda p: p.id)  # the picture just sent


async def test_cancelling_a_report_removes_its_photo_files(bot_harness: TelegramHarness) -> None:
    h = bot_harness
    user = await volunteer(h)
    photo = await start_with_photo(h, user, images.jpeg(seed=81))
    assert all(path.is_file() for path in files_of(h, photo))
    await h.send_text(user, "/cancel")
    assert "Report cancelled" in texts(h, user)[-1]
    assert await draft_photos(h) == []
    assert not any(path.exists() for path in files_of(h, photo))


async def test_a_picture_another_report_uses_stays_on_disk(bot_harness: TelegramHarness) -> None:
    h = bot_harness
    picture = images.jpeg(seed=82)
    filer, sharer, third = [await volunteer(h, name) for name in ("Filer", "Sharer", "Third")]

    # The same picture in a filed case, then in a draft that is cancelled: the file stays.
    await start_with_photo(h, filer, picture)
    await press(h, filer, "✅ Done")
    await h.send_location(filer, *IN_GRADE1)
    await finish_from_place(h, filer)
    assert "HZ-" in texts(h, filer)[-1]
    await h.send_text(sharer, "/report")
    await press(h, sharer, "Dumped garbage")
    await h.send_photo(sharer, picture)
    [drafted] = await draft_photos(h)
    await h.send_text(sharer, "/cancel")
    assert all(path.is_file() for path in files_of(h, drafted))

    # Two drafts with one picture: the first cancelled keeps it for the second.
    other = images.jpeg(seed=83)
    for user in (sharer, third):
        await h.send_text(user, "/report")
        await press(h, user, "Dumped garbage")
        await h.send_photo(user, other)
    first, second = await draft_photos(h)
    assert first.sha256 == second.sha256
    await h.send_text(sharer, "/cancel")
    assert all(path.is_file() for path in files_of(h, second))
    await h.send_text(third, "/cancel")
    assert not any(path.exists() for path in files_of(h, second))


async def test_an_expired_report_takes_its_photo_files_with_it(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    user = await volunteer(h)
    photo = await start_with_photo(h, user, images.jpeg(seed=84))
    async with deps(h).sessions() as s:
        draft = (await s.scalars(select(Draft))).one()
        draft.updated_at = utcnow() - timedelta(hours=30)
        await s.commit()
    report = await run_sweep(deps(h).sessions, deps(h).settings, utcnow())
    assert report.drafts_expired == 1
    assert not any(path.exists() for path in files_of(h, photo))


async def test_a_picture_sent_while_a_draft_with_it_is_dropped_keeps_its_file(
    bot_harness: TelegramHarness,
) -> None:
    """Two people, one picture (a forwarded photo has the same bytes): one cancels while the
    other's photo is being saved. The cancel cannot see the other's row yet and removes the
    file; the other's commit puts it back."""
    h = bot_harness
    if is_sqlite(deps(h).settings.database.url):
        pytest.skip("SQLite lets one writer in at a time: the cancel waits for the other commit")
    cancelling, sending = await volunteer(h, "Cancels"), await volunteer(h, "Sends")
    dropped = await start_with_photo(h, cancelling, images.jpeg(seed=85))
    settings = deps(h).settings
    picture = (settings.photos_dir / dropped.stored_path).read_bytes()  # as Telegram gave it
    async with deps(h).sessions() as upload:  # the other's photo, saved but not yet committed
        member = await find_member(upload, "telegram", sending.id)
        assert member is not None
        draft = (await drafts.start_draft(upload, member, str(sending.id), utcnow(),
                                          settings.cases)).draft
        store = FileStore(settings.photos_dir)
        found, stored = await ingest(picture, settings.photos, store)
        await drafts.add_photo(upload, draft, found, stored, utcnow(), settings.cases)
        await store.keep_at_commit(upload, stored, picture)
        await h.send_text(cancelling, "/cancel")  # commits while the upload is open
        assert not (settings.photos_dir / stored).exists()  # the race, as it happens
        await upload.commit()
    assert (settings.photos_dir / stored).read_bytes() == picture
    assert stored == dropped.stored_path
