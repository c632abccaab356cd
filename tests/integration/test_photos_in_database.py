"""The real bot with `storage.photo_store = "database"` (SQLite and PostgreSQL): a report's photo,
its display base and its display copy are rows, nothing is written under photos_dir, the manager
is sent the copy from the database, and a cancelled report takes its photo's rows with it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from models import Photo, PhotoBlob
from services.photos import base_path
from services.photos.blobs import DatabaseStore
from services.settings import Settings
from tests.support import images
from tests.support.cases import send_outbox
from tests.support.harness import TelegramHarness
from tests.support.report import finish_from_place, volunteer
from tests.support.report_world import IN_GRADE1, VILLAGE, add_manager, deps, press, texts
from tests.support.settings import make_settings


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(db_url, tmp_path, storage={"photo_store": "database"})


async def stored_keys(h: TelegramHarness) -> dict[str, str]:
    async with deps(h).sessions() as s:
        return {b.key: b.kind for b in await s.scalars(select(PhotoBlob))}


async def test_a_report_photo_lives_in_the_database_and_reaches_the_manager(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    await add_manager(deps(h).sessions, 5001, "Village manager", VILLAGE)
    manager = h.user("Village manager", language_code="en", user_id=5001)
    await h.send_text(manager, "/start")
    user = await volunteer(h)
    await h.send_text(user, "/report")
    await press(h, user, "Dumped garbage")
    picture = images.jpeg(1600, 1200, seed=161)
    await h.send_photo(user, picture, as_file=True)  # a file: only its display copy is sent
    await press(h, user, "✅ Done")
    await h.send_location(user, *IN_GRADE1)
    await finish_from_place(h, user)
    async with deps(h).sessions() as s:
        photo = (await s.scalars(select(Photo))).one()
    assert photo.display_path is not None
    assert await stored_keys(h) == {photo.stored_path: "original",
                                    base_path(photo.sha256): "base",
                                    photo.display_path: "display"}
    assert not any(p.is_file() for p in deps(h).settings.photos_dir.rglob("*"))
    store = DatabaseStore(deps(h).sessions.kw["bind"])
    assert await store.read(photo.stored_path) == picture

    await send_outbox(h)
    sent = [m for m in h.messages_to(manager) if m.get("photo")]
    assert sent, "the manager was sent no photo"
    got = h.emulator.state.files[sent[-1]["photo"][-1]["file_id"]].data
    with Image.open(io.BytesIO(got)) as shown, \
            Image.open(io.BytesIO(await store.read(photo.display_path))) as kept:
        assert shown.size == kept.size  # the copy, with its band (Telegram re-encodes it)


async def test_a_cancelled_report_takes_its_photo_rows_with_it(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    user = await volunteer(h)
    await h.send_text(user, "/report")
    await press(h, user, "Dumped garbage")
    await h.send_photo(user, images.jpeg(seed=162))
    assert set((await stored_keys(h)).values()) == {"original", "base"}
    await h.send_text(user, "/cancel")
    assert "Report cancelled" in texts(h, user)[-1]
    assert await stored_keys(h) == {}
