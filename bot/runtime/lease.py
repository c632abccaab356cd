"""Several bot processes on one PostgreSQL: who runs the schedule, and who is still alive.

Each process holds, on one dedicated connection for its whole life, a shared advisory lock on
its own instance key (so the others can tell it is alive), and, while it is the scheduler, the
exclusive advisory lock of the lease (so only it runs the sweep and the digests). Both locks
die with the session, so a killed process frees them and another takes over at its next check.
On SQLite there is one process: the lease is always held.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, or_, text, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from models import Outbox, OutboxState
from models.db import SessionFactory, async_url, is_sqlite

log = logging.getLogger(__name__)

NAMESPACE = 0x67726964  # "grid": the first key of every advisory lock of ours
LEASE_ID = 0  # (NAMESPACE, 0) is the scheduler lease; (NAMESPACE, n > 0) is instance n alive
LEASE_KEY = "lease"
_INSTANCE = secrets.randbelow(2**31 - 2) + 1
KEEPALIVES = ("tcp_keepalives_idle = 30", "tcp_keepalives_interval = 10",
              "tcp_keepalives_count = 3")


def instance_key() -> int:
    """This process's instance key; the outbox stores it in `claimed_by` when it claims rows."""
    return _INSTANCE


_LIVE_SQL = text(
    "SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2 "
    "AND classid::bigint = :ns AND objid::bigint <> :lease AND granted "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


class Lease:
    """This process's standing: alive (instance lock) and, maybe, the scheduler (lease lock)."""

    def __init__(self, url: str, instance: int | None = None) -> None:
        self.url = url
        self.instance = instance if instance is not None else _INSTANCE
        self.sqlite = is_sqlite(url)
        self._engine: AsyncEngine | None = None
        self._conn: AsyncConnection | None = None
        self._held = self.sqlite
        self._lock = asyncio.Lock()  # one connection: the sweep and the digest take turns

    @property
    def held(self) -> bool:
        """Whether this process runs the sweep and the digests (as of the last check)."""
        return self._held

    async def start(self) -> None:
        """Announce this process and try for the lease once."""
        if self.sqlite:
            log.info("lease: one process on SQLite; this one runs the sweep and the digests")
            return
        self._engine = create_async_engine(async_url(self.url), poolclass=NullPool)
        await self.check()

    async def check(self) -> bool:
        """Held now? Takes the lease when it is free; reconnects after a lost connection."""
        if self.sqlite:
            return True
        async with self._lock:
            return await self._check()

    async def _check(self) -> bool:
        try:
            conn = await self._connection()
            if self._held:
                await conn.execute(text("SELECT 1"))  # the session, and so the lock, is alive
            else:
                got = await conn.scalar(
                    text("SELECT pg_try_advisory_lock(:ns, :id)"),
                    {"ns": NAMESPACE, "id": LEASE_ID},
                )
                if got:
                    self._held = True
                    log.info(
                        "lease: instance %d now runs the sweep and the digests", self.instance
                    )
        except (DBAPIError, SQLAlchemyError, OSError) as exc:
            if self._held:
                log.warning("lease: lost with the database connection: %s", exc)
            self._held = False
            await self._drop_connection()
        return self._held

    async def live_instances(self) -> set[int]:
        """Instance keys of the processes alive now (this one included)."""
        if self.sqlite:
            return {self.instance}
        async with self._lock:
            conn = await self._connection()
            rows = await conn.execute(_LIVE_SQL, {"ns": NAMESPACE, "lease": LEASE_ID})
            return {int(key) for (key,) in rows} | {self.instance}

    async def close(self) -> None:
        """Give the lease up at once (the next process need not wait for a timeout)."""
        self._held = self.sqlite
        async with self._lock:
            if self._conn is not None and not self._conn.closed:
                try:  # at once: the backend's exit after a close releases them a moment later
                    await self._conn.execute(text("SELECT pg_advisory_unlock_all()"))
                except (DBAPIError, SQLAlchemyError, OSError):
                    log.debug("lease: could not release before closing", exc_info=True)
            await self._drop_connection()
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None

    async def _connection(self) -> AsyncConnection:
        if self._conn is None or self._conn.closed or self._conn.invalidated:
            if self._engine is None:
                raise RuntimeError("Lease.start() was not called")
            self._held = False  # a new session holds no lock until it takes one
            conn = await self._engine.connect()
            # Autocommit: a connection kept for days must not sit idle in a transaction.
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            # A holder whose machine vanishes (no FIN) must lose the lease in about a minute,
            # not after the kernel's two hours: the server probes this session itself.
            for setting in KEEPALIVES:
                await conn.execute(text(f"SET {setting}"))
            await conn.execute(
                text("SELECT pg_advisory_lock_shared(:ns, :id)"),
                {"ns": NAMESPACE, "id": self.instance},
            )
            self._conn = conn
        return self._conn

    async def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                await conn.close()  # the session ends: its advisory locks are released
            except (DBAPIError, SQLAlchemyError, OSError):
                log.debug("lease: closing a broken connection failed", exc_info=True)


def lease_of(bot_data: Mapping[str, Any]) -> Lease | None:
    """The process's lease, when the bot runs as a service (tests without one get None)."""
    lease = bot_data.get(LEASE_KEY)
    return lease if isinstance(lease, Lease) else None


async def holds_lease(bot_data: Mapping[str, Any]) -> bool:
    """Should this process run the sweep and the digests now? Without a lease: yes."""
    lease = lease_of(bot_data)
    return True if lease is None else await lease.check()


async def settle_dead_claims(sessions: SessionFactory, lease: Lease, *, at_start: bool) -> int:
    """Rows left `sending` by a process that is gone may have gone out: they become uncertain.

    Rows of a live process are left alone. Rows that name no claimer (a sender that does not
    set `claimed_by`) are settled only at start, and only when no other process is alive.
    """
    live = await lease.live_instances()
    dead_claimer = Outbox.claimed_by.is_not(None) & Outbox.claimed_by.not_in(live)
    condition: ColumnElement[bool] = dead_claimer
    if at_start and live == {lease.instance}:
        condition = or_(dead_claimer, Outbox.claimed_by.is_(None))
    async with sessions() as session:
        result: CursorResult[tuple[()]] = await session.execute(  # type: ignore[assignment]
            update(Outbox)
            .where(Outbox.state == OutboxState.SENDING, condition)
            .values(state=OutboxState.UNCERTAIN, last_error="interrupted while sending")
            .execution_options(synchronize_session=False)
        )
        await session.commit()
    return int(result.rowcount)
