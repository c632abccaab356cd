"""API keys of the client systems allowed to post: made with `secrets.token_urlsafe`, shown once,
kept only as their sha256; a revoked key stays, so its name is never given out again."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Open311Key

KEY_BYTES = 32
MAX_NAME = 64


def key_hash(api_key: str) -> str:
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


class KeyNameTaken(ValueError):
    """A key of that name exists already (revoked ones included)."""


async def create_key(session: AsyncSession, name: str, now: datetime) -> tuple[Open311Key, str]:
    """A new key for the client system `name`: the row, and the key itself (shown once, never
    stored). The caller commits."""
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise ValueError(f"a key's name is 1 to {MAX_NAME} characters")
    if await session.scalar(select(Open311Key.id).where(Open311Key.name == name)) is not None:
        raise KeyNameTaken(name)
    api_key = secrets.token_urlsafe(KEY_BYTES)
    row = Open311Key(name=name, key_sha256=key_hash(api_key), created_at=now)
    session.add(row)
    await session.flush()
    return row, api_key


async def list_keys(session: AsyncSession) -> list[Open311Key]:
    return list(await session.scalars(select(Open311Key).order_by(Open311Key.name)))


async def revoke_key(session: AsyncSession, name: str, now: datetime) -> bool:
    """Revoke the key `name`; False when there is none, or it was revoked already."""
    row = await session.scalar(select(Open311Key).where(Open311Key.name == name))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = now
    await session.flush()
    return True


async def client_of(session: AsyncSession, api_key: str | None) -> Open311Key | None:
    """The live key an `api_key` is, or None (missing, unknown or revoked)."""
    if not api_key:
        return None
    row = await session.scalar(
        select(Open311Key).where(Open311Key.key_sha256 == key_hash(api_key)))
    if row is None or row.revoked_at is not None:
        return None
    return row
