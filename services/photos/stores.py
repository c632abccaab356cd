"""The photo store config chooses (`storage.photo_store`), over the bot's own database: every
reader and writer of photo bytes asks here, with whatever it holds of the database (a session,
the session factory or the engine), so none of them assumes a local path."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from services.photos.blobs import DatabaseStore
from services.photos.files import FileStore
from services.photos.store import PhotoStore
from services.settings import PhotoStoreKind, Settings

Bind = AsyncSession | async_sessionmaker[AsyncSession] | AsyncEngine


def photo_store(settings: Settings, bind: Bind) -> PhotoStore:
    """The file store under photos_dir, or the database store on `bind`'s engine."""
    if settings.photo_store == PhotoStoreKind.FILES:
        return FileStore(settings.photos_dir)
    return DatabaseStore(_engine(bind))


def _engine(bind: Bind) -> AsyncEngine:
    found: object = bind
    if isinstance(bind, AsyncSession):
        found = bind.bind
    elif isinstance(bind, async_sessionmaker):
        found = bind.kw.get("bind")
    if isinstance(found, AsyncConnection):
        found = found.engine
    if not isinstance(found, AsyncEngine):
        raise TypeError(f"the database photo store needs an engine, not {found!r}")
    return found
