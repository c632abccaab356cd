"""The database store (`storage.photo_store = "database"`): photos in the `photo_blob` and
`photo_chunk` tables, so every process on every machine behind one proxy reads what any of them
stored. Bytes go in and come out in chunks of CHUNK_BYTES, one row and one statement each, so
no statement binds (and no driver buffers) a 20 MB original whole.

A blob row is written with its chunks in one transaction: a row means the bytes are all there.
Unlike files, removal and keeping are part of the transaction that drops or adds photo rows, so
a rollback undoes them. The race the file store mends after commit (a row added for content
that another transaction is removing) is closed by `generation`: keeping raises it, removal
deletes only the generation it read before it looked for rows that still use the content."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterable

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from models import PhotoBlob, PhotoChunk
from services.photos.evidence import base_path
from services.photos.rows import contents_in_use
from services.photos.store import CHUNK_BYTES, BlobKind, PhotoMissing, checked_key


class DatabaseStore:
    """Photos as rows of the bot's own database (through `engine`), by key."""

    def __init__(self, engine: AsyncEngine, chunk_bytes: int = CHUNK_BYTES) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self.chunk_bytes = chunk_bytes

    async def put(self, key: str, data: bytes, kind: BlobKind) -> None:
        async with self._sessions() as session:
            if kind == BlobKind.DISPLAY:  # made again (a new stamp): the new one counts
                await _delete(session, [key])
            await self._write(session, key, data, kind)
            await session.commit()

    async def _write(self, session: AsyncSession, key: str, data: bytes, kind: BlobKind) -> bool:
        """The blob in `session`'s transaction, unless one is there (or being written by
        another transaction, which this then waits for): whether this one wrote it."""
        size = self.chunk_bytes
        insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" \
            else sqlite.insert
        head = insert(PhotoBlob).values(
            key=checked_key(key), kind=kind.value, size_bytes=len(data),
            sha256=hashlib.sha256(data).hexdigest(), chunks=-(-len(data) // size),
            generation=0,
        ).on_conflict_do_nothing(index_elements=["key"]).returning(PhotoBlob.key)
        if await session.scalar(head) is None:  # (rowcount says -1 through psycopg)
            return False
        view = memoryview(data)
        for seq, start in enumerate(range(0, len(data), size)):
            await session.execute(insert(PhotoChunk).values(
                key=key, seq=seq, data=bytes(view[start:start + size])))
        return True

    async def read(self, key: str) -> bytes:
        whole = bytearray()
        async for chunk in self.chunks(key):
            whole += chunk
        return bytes(whole)

    async def chunks(self, key: str) -> AsyncIterator[bytes]:
        async with self._sessions() as session:
            count = await session.scalar(
                select(PhotoBlob.chunks).where(PhotoBlob.key == checked_key(key)))
            if count is None:
                raise PhotoMissing(key)
            for seq in range(count):
                data = await session.scalar(
                    select(PhotoChunk.data).where(PhotoChunk.key == key, PhotoChunk.seq == seq))
                if data is None:  # removed while being read
                    raise PhotoMissing(key)
                yield data

    async def exists(self, key: str) -> bool:
        async with self._sessions() as session:
            found = await session.scalar(
                select(PhotoBlob.key).where(PhotoBlob.key == checked_key(key)))
        return found is not None

    async def delete(self, keys: Iterable[str]) -> None:
        async with self._sessions() as session:
            await _delete(session, [checked_key(k) for k in keys])
            await session.commit()

    async def keep_at_commit(self, session: AsyncSession, key: str, data: bytes) -> None:
        """In `session`'s transaction: a newer generation (which a removal racing it will not
        delete), or the blob written again when it is gone."""
        bumped = await session.scalar(
            update(PhotoBlob).where(PhotoBlob.key == checked_key(key))
            .values(generation=PhotoBlob.generation + 1).returning(PhotoBlob.key))
        if bumped is None:
            await self._write(session, key, data, BlobKind.ORIGINAL)

    async def drop_at_commit(self, session: AsyncSession, dropped: list[tuple[str, str]]) -> None:
        """In `session`'s transaction: an original (and its base) no row uses any more goes,
        unless another transaction kept it since (see the module's word on `generation`)."""
        shas = {path: sha for sha, path in dropped}
        generations: dict[str, int] = {  # read before the rows that use them are looked for
            key: generation for key, generation in await session.execute(
                select(PhotoBlob.key, PhotoBlob.generation).where(PhotoBlob.key.in_(shas)))}
        used = await contents_in_use(session, set(shas.values()))
        for path, sha in shas.items():
            if sha in used or path not in generations:
                continue
            gone = await session.scalar(delete(PhotoBlob).where(
                PhotoBlob.key == path, PhotoBlob.generation == generations[path])
                .returning(PhotoBlob.key))
            if gone is not None:
                await _delete(session, [path, base_path(sha)])


async def _delete(session: AsyncSession, keys: list[str]) -> None:
    """Chunks first, then their blob rows (the foreign key cascades too, where it is on)."""
    if keys:
        await session.execute(delete(PhotoChunk).where(PhotoChunk.key.in_(keys)))
        await session.execute(delete(PhotoBlob).where(PhotoBlob.key.in_(keys)))
