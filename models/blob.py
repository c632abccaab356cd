"""Photos kept in the database (`storage.photo_store = "database"`): one row per stored picture
(an original, its display base, a case's display copy) and its bytes in chunks, so that every
process on every machine reads what any one of them stored, and none holds a 20 MB original in
one statement or one buffer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class PhotoBlob(Base):
    """One stored picture, by the key the file store would give it a path by (`ab/cd/<sha>.jpg`,
    `base/...`, `display/...`); written with its chunks in one transaction, so a row means the
    bytes are all there. `generation` is raised by every transaction that needs the blob to
    stay, so a removal that read an older one deletes nothing."""

    __tablename__ = "photo_blob"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # services.photos.store.BlobKind
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))  # of these bytes (a display copy's own)
    chunks: Mapped[int] = mapped_column(Integer)
    generation: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PhotoChunk(Base):
    """A slice of a blob's bytes, `seq` from 0; all but the last are the store's chunk size."""

    __tablename__ = "photo_chunk"

    key: Mapped[str] = mapped_column(
        String(255), ForeignKey("photo_blob.key", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
