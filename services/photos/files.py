"""The file store (`storage.photo_store = "files"`, the default): each photo a file under
photos_dir at its key, written atomically (temp file, fsync, rename). Only processes that share
that folder see the same photos; on several machines use the database store.

Files outlive their rows: they are removed when the transaction that dropped the rows commits
(never on a rollback), unless another row still names the same content (files are named by
sha256, so one file may serve several rows). A new row for the same content may be committed by
another transaction that the removal did not see yet; so the transaction that adds a photo row
checks, once it has committed, that its file is still there, and writes it again from the bytes
in hand if not (`keep_at_commit`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from services.photos.evidence import base_path, store_original, write_atomically
from services.photos.rows import contents_in_use
from services.photos.store import CHUNK_BYTES, BlobKind, PhotoMissing, checked_key

log = logging.getLogger(__name__)

_ORPHANS = "gridpatrol.orphan_files"  # session.info: files to remove at commit
_KEEP = "gridpatrol.kept_files"  # session.info: files that must exist after commit


class FileStore:
    """Photos as files under `root` (photos_dir), by key."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / checked_key(key)

    async def put(self, key: str, data: bytes, kind: BlobKind) -> None:
        await asyncio.to_thread(self._put, self.path(key), data, kind)

    @staticmethod
    def _put(target: Path, data: bytes, kind: BlobKind) -> None:
        if kind != BlobKind.DISPLAY and target.is_file() and (
                kind == BlobKind.BASE or target.stat().st_size == len(data)):
            return
        write_atomically(target, data)

    async def read(self, key: str) -> bytes:
        target = self.path(key)
        try:
            return await asyncio.to_thread(target.read_bytes)
        except FileNotFoundError:
            raise PhotoMissing(key) from None

    async def chunks(self, key: str) -> AsyncIterator[bytes]:
        target = self.path(key)
        try:
            handle = await asyncio.to_thread(target.open, "rb")
        except FileNotFoundError:
            raise PhotoMissing(key) from None
        try:
            while chunk := await asyncio.to_thread(handle.read, CHUNK_BYTES):
                yield chunk
        finally:
            handle.close()

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self.path(key).is_file)

    async def delete(self, keys: Iterable[str]) -> None:
        for key in keys:
            await asyncio.to_thread(self.path(key).unlink, missing_ok=True)

    async def drop_at_commit(self, session: AsyncSession, dropped: list[tuple[str, str]]) -> None:
        used = await contents_in_use(session, {sha for sha, _ in dropped})
        pending: dict[str, tuple[Path, str]] = session.info.setdefault(_ORPHANS, {})
        for sha, path in dropped:
            if sha not in used:
                pending[path] = (self.root, sha)
        sync = session.sync_session
        if pending and not event.contains(sync, "after_commit", _remove_pending):
            event.listen(sync, "after_commit", _remove_pending)
            event.listen(sync, "after_rollback", _forget_pending)

    async def keep_at_commit(self, session: AsyncSession, key: str, data: bytes) -> None:
        keep: dict[str, tuple[Path, bytes]] = session.info.setdefault(_KEEP, {})
        keep[key] = (self.root, data)
        sync = session.sync_session
        if not event.contains(sync, "after_commit", _keep_files):
            event.listen(sync, "after_commit", _keep_files)
            event.listen(sync, "after_rollback", _forget_kept)


def _remove_pending(sync: Session) -> None:
    for path, (photos_dir, sha) in sync.info.pop(_ORPHANS, {}).items():
        for relative in (path, base_path(sha)):
            try:
                (photos_dir / relative).unlink(missing_ok=True)
            except OSError:
                log.warning("could not remove %s", relative, exc_info=True)


def _forget_pending(sync: Session) -> None:
    sync.info.pop(_ORPHANS, None)


def _keep_files(sync: Session) -> None:
    for key, (photos_dir, data) in sync.info.pop(_KEEP, {}).items():
        sha256 = Path(key).stem
        try:
            store_original(photos_dir, data, sha256)  # a stat when the file is there
        except (OSError, ValueError):
            log.error("could not keep the photo file of %s", sha256, exc_info=True)


def _forget_kept(sync: Session) -> None:
    sync.info.pop(_KEEP, None)
