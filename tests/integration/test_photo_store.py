"""Both photo stores keep the same promises (SQLite and PostgreSQL): bytes come back exact, a
large photo chunk by chunk, a missing key is a clear error, and the steps tied to a transaction
follow its commit or rollback; the database store never holds a photo in one row."""

from __future__ import annotations

import asyncio
import hashlib
import random
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from models import Photo, PhotoBlob, PhotoChunk, utcnow
from models.db import SessionFactory, is_sqlite
from services.photos import (
    CHUNK_BYTES,
    BlobKind,
    PhotoMissing,
    PhotoStore,
    base_path,
    original_key,
)
from services.photos.blobs import DatabaseStore
from services.photos.files import FileStore
from services.photos.stores import photo_store
from services.settings import PhotoStoreKind, Settings
from tests.support import images

SHA = "ab" * 32
KEY = f"ab/ab/{SHA}.jpg"
LARGE = 20_000_000 + 12_345  # past max_file_bytes, and not a whole number of chunks


@pytest.fixture(params=["files", "database"])
def store(request: pytest.FixtureRequest, engine: AsyncEngine, tmp_path: Path) -> PhotoStore:
    if request.param == "files":
        return FileStore(tmp_path / "photos")
    return DatabaseStore(engine)


def photo(sha: str = SHA, key: str = KEY) -> Photo:
    return Photo(kind="report", sha256=sha, stored_path=key, size_bytes=1, width=1, height=1,
                 mime="image/jpeg", phash="0" * 16, created_at=utcnow())


async def stream(store: PhotoStore, key: str) -> AsyncIterator[bytes]:
    async for chunk in store.chunks(key):
        yield chunk


async def test_a_large_photo_round_trips_byte_exact_in_chunks(store: PhotoStore) -> None:
    data = random.Random(16).randbytes(LARGE)
    await store.put(KEY, data, BlobKind.ORIGINAL)
    sizes, joined = [], bytearray()
    async for chunk in stream(store, KEY):
        sizes.append(len(chunk))
        joined += chunk
    assert bytes(joined) == data
    assert len(sizes) == -(-LARGE // CHUNK_BYTES) and max(sizes) == CHUNK_BYTES
    assert sizes[-1] == LARGE % CHUNK_BYTES
    assert await store.read(KEY) == data


async def test_the_database_keeps_a_photo_in_rows_of_one_chunk_each(
    engine: AsyncEngine, session_factory: SessionFactory,
) -> None:
    data = random.Random(17).randbytes(3 * CHUNK_BYTES + 5)
    await DatabaseStore(engine).put(KEY, data, BlobKind.ORIGINAL)
    async with session_factory() as s:
        blob = await s.get(PhotoBlob, KEY)
        rows = (await s.execute(select(func.count(), func.max(func.length(PhotoChunk.data)))
                                .where(PhotoChunk.key == KEY))).one()
    assert blob is not None
    assert (blob.kind, blob.size_bytes, blob.chunks) == ("original", len(data), 4)
    assert tuple(rows) == (4, CHUNK_BYTES)


async def test_a_missing_key_is_a_clear_error(store: PhotoStore) -> None:
    assert not await store.exists(KEY)
    with pytest.raises(PhotoMissing, match=f"no stored photo '{KEY}'"):
        await store.read(KEY)
    with pytest.raises(PhotoMissing) as caught:
        async for _ in stream(store, KEY):
            pass
    assert caught.value.key == KEY
    for bad in ("../etc/passwd", "/etc/passwd", "", "a//b"):
        with pytest.raises(ValueError, match="not a photo key"):
            await store.read(bad)


async def test_an_original_stays_as_first_stored_and_a_display_copy_is_replaced(
    store: PhotoStore,
) -> None:
    await store.put(KEY, b"first", BlobKind.ORIGINAL)
    await store.put(KEY, b"first", BlobKind.ORIGINAL)  # again: no error, nothing changes
    display = f"display/ab/ab/{SHA}-7.jpg"
    await store.put(display, b"stamp one", BlobKind.DISPLAY)
    await store.put(display, b"stamp two", BlobKind.DISPLAY)
    assert (await store.read(KEY), await store.read(display)) == (b"first", b"stamp two")
    await store.delete([KEY, display, "ab/ab/never-stored.jpg"])
    assert not await store.exists(KEY) and not await store.exists(display)


async def test_dropped_photos_go_at_commit_never_on_rollback_nor_while_a_row_uses_them(
    store: PhotoStore, session_factory: SessionFactory,
) -> None:
    await store.put(KEY, b"original", BlobKind.ORIGINAL)
    await store.put(base_path(SHA), b"base", BlobKind.BASE)
    async with session_factory() as s:
        await store.drop_at_commit(s, [(SHA, KEY)])
        await s.rollback()
    assert await store.exists(KEY) and await store.exists(base_path(SHA))
    async with session_factory() as s:
        s.add(photo())  # another row has the same picture
        await s.commit()
        await store.drop_at_commit(s, [(SHA, KEY)])
        await s.commit()
    assert await store.exists(KEY)
    async with session_factory() as s:
        for row in await s.scalars(select(Photo)):
            await s.delete(row)
        await s.flush()
        await store.drop_at_commit(s, [(SHA, KEY)])
        await s.commit()
    assert not await store.exists(KEY) and not await store.exists(base_path(SHA))


async def test_a_kept_original_is_there_after_commit_even_when_it_was_removed(
    store: PhotoStore, session_factory: SessionFactory,
) -> None:
    data = images.jpeg(seed=16)
    sha = hashlib.sha256(data).hexdigest()
    key = original_key(data, sha)
    await store.put(key, data, BlobKind.ORIGINAL)
    async with session_factory() as s:
        await store.delete([key])  # a cancel elsewhere removed it while it was being received
        s.add(photo(sha, key))
        await store.keep_at_commit(s, key, data)
        await s.commit()
    assert await store.read(key) == data


async def test_a_removal_racing_a_new_row_for_the_same_picture_leaves_it(
    engine: AsyncEngine, session_factory: SessionFactory, settings: Settings,
) -> None:
    """PostgreSQL: one transaction adds a row for a picture and keeps it; another, which cannot
    see that row yet, drops the last other row's picture. Its delete waits for the first and
    then finds a newer generation: the picture stays (SQLite lets one writer in at a time)."""
    if is_sqlite(settings.database.url):
        pytest.skip("SQLite lets one writer in at a time: the removal waits for the commit")
    store = DatabaseStore(engine)
    await store.put(KEY, b"original", BlobKind.ORIGINAL)
    async with session_factory() as adding, session_factory() as dropping:
        adding.add(photo())
        await store.keep_at_commit(adding, KEY, b"original")  # holds the blob's row
        removal = asyncio.create_task(_drop_and_commit(store, dropping))
        async with session_factory() as watch:
            for _ in range(200):  # a bounded poll of the server's own view of who waits
                waiting = await watch.scalar(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()"))
                await watch.rollback()
                if waiting or removal.done():
                    break
                await asyncio.sleep(0.05)
        assert not removal.done(), "the removal should wait for the row being added"
        await adding.commit()
        await removal
    assert await store.read(KEY) == b"original"


async def _drop_and_commit(store: DatabaseStore, session: AsyncSession) -> None:
    await store.drop_at_commit(session, [(SHA, KEY)])
    await session.commit()


async def test_config_chooses_the_store(settings: Settings, engine: AsyncEngine,
                                        session_factory: SessionFactory) -> None:
    assert isinstance(photo_store(settings, engine), FileStore)
    chosen = replace(settings, photo_store=PhotoStoreKind.DATABASE)
    async with session_factory() as s:
        for bind in (engine, session_factory, s):
            assert isinstance(photo_store(chosen, bind), DatabaseStore)
