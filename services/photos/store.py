"""Where photo bytes are kept: the one interface every reader and writer of a photo goes through,
so that nothing assumes a local path. Two stores stand behind it, chosen by
`storage.photo_store` (`services.photos.stores.photo_store`): files under photos_dir
(`services.photos.files`) and the database (`services.photos.blobs`), which every process of
the bot on every machine reads alike.

A photo is stored under a key that is also its path in the file store: an original at
`ab/cd/<sha256>.<ext>`, its display base at `base/ab/cd/<sha256>.jpg`, a case's display copy at
`display/ab/cd/<sha256>-<case id>.jpg` (content and case only: no user text in a key). This
module imports no database, so the photo pipeline stays as light as `services.photos` says."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from enum import StrEnum
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Final, Protocol

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

CHUNK_BYTES: Final = 256 * 1024  # what one read yields, and one database row holds


class BlobKind(StrEnum):
    ORIGINAL = "original"  # the bytes as received, never changed
    BASE = "base"  # derived: upright, at display size, no metadata (remade when lost)
    DISPLAY = "display"  # derived: one case's stamped copy (made again when lost)


class PhotoMissing(LookupError):
    """No photo is stored under the key: removed, never stored, or stored where this process
    cannot see it (another machine's photos_dir)."""

    def __init__(self, key: str) -> None:
        super().__init__(f"no stored photo {key!r}")
        self.key = key


def checked_key(key: str) -> str:
    """A key as the stores take it: relative, no `..`, nothing but the path parts we make."""
    path = PurePosixPath(key)
    if not key or path.is_absolute() or ".." in path.parts or str(path) != key:
        raise ValueError(f"not a photo key: {key!r}")
    return key


class PhotoStore(Protocol):
    """What callers need of a store: put, read (whole, or chunk by chunk), exists and delete, and
    two steps tied to the transaction that adds or drops photo rows."""

    async def put(self, key: str, data: bytes, kind: BlobKind) -> None:
        """Store `data` under `key` on its own (no caller's transaction). An original or base
        already there is left alone (same key, same content); a display copy is replaced."""

    async def read(self, key: str) -> bytes:
        """All the bytes (for Pillow, which wants them whole); PhotoMissing if none."""

    def chunks(self, key: str) -> AsyncIterator[bytes]:
        """The bytes in order, at most CHUNK_BYTES at a time; PhotoMissing if none."""

    async def exists(self, key: str) -> bool: ...

    async def delete(self, keys: Iterable[str]) -> None:
        """Remove them now (missing ones are no error)."""

    async def keep_at_commit(self, session: AsyncSession, key: str, data: bytes) -> None:
        """Make sure the original under `key` is there once `session`'s transaction, which adds
        a photo row for it, commits: a draft with the same picture may be dropped meanwhile."""

    async def drop_at_commit(self, session: AsyncSession, dropped: list[tuple[str, str]]) -> None:
        """(sha256, stored key) of photo rows this transaction deleted: their originals and bases
        go when it commits (never on a rollback), unless a photo row still has that content."""
