"""Photo files that outlive their rows: removed when the transaction that dropped the rows
commits (never on a rollback), unless another row still names the same content (files are
named by sha256, so one file may serve several rows).

A new row for the same content may be committed by another transaction that the removal did not
see yet; so the transaction that adds a photo row checks, once it has committed, that its file
is still there, and writes it again from the bytes in hand if not (`keep_file_at_commit`)."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from models import Photo
from services.photos.evidence import base_path, store_original

log = logging.getLogger(__name__)

_ORPHANS = "gridpatrol.orphan_files"  # session.info: files to remove at commit
_KEEP = "gridpatrol.kept_files"  # session.info: files that must exist after commit


async def remove_files_at_commit(
    session: AsyncSession, photos_dir: Path, dropped: list[tuple[str, str]]
) -> None:
    """Files no photo row references any more (as this transaction sees it) are removed when
    it commits; a rollback keeps them."""
    shas = {sha for sha, _ in dropped}
    used = set(await session.scalars(select(Photo.sha256).where(Photo.sha256.in_(shas))))
    pending: dict[str, tuple[Path, str]] = session.info.setdefault(_ORPHANS, {})
    for sha, path in dropped:
        if sha not in used:
            pending[path] = (photos_dir, sha)
    sync = session.sync_session
    if pending and not event.contains(sync, "after_commit", _remove_pending):
        event.listen(sync, "after_commit", _remove_pending)
        event.listen(sync, "after_rollback", _forget_pending)


def _remove_pending(sync: Session) -> None:
    for path, (photos_dir, sha) in sync.info.pop(_ORPHANS, {}).items():
        for relative in (path, base_path(sha)):
            try:
                (photos_dir / relative).unlink(missing_ok=True)
            except OSError:
                log.warning("could not remove %s", relative, exc_info=True)


def _forget_pending(sync: Session) -> None:
    sync.info.pop(_ORPHANS, None)


async def keep_file_at_commit(
    session: AsyncSession, photos_dir: Path, data: bytes, sha256: str
) -> None:
    """When this transaction commits its photo row, make sure the original is on disk: a
    draft with the same picture may have been dropped meanwhile, and its file removed."""
    keep: dict[str, tuple[Path, bytes]] = session.info.setdefault(_KEEP, {})
    keep[sha256] = (photos_dir, data)
    sync = session.sync_session
    if not event.contains(sync, "after_commit", _keep_files):
        event.listen(sync, "after_commit", _keep_files)
        event.listen(sync, "after_rollback", _forget_kept)


def _keep_files(sync: Session) -> None:
    for sha256, (photos_dir, data) in sync.info.pop(_KEEP, {}).items():
        try:
            store_original(photos_dir, data, sha256)  # a stat when the file is there
        except (OSError, ValueError):
            log.error("could not keep the photo file of %s", sha256, exc_info=True)


def _forget_kept(sync: Session) -> None:
    sync.info.pop(_KEEP, None)
