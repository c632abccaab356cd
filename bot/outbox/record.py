"""The outbox's own bookkeeping writes, made again while the database is away (a restart, a
failover): a notice that went out but was not recorded would stay `sending`, and its chat's
later notices blocked behind it, until recover_stale gives up on it minutes later."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import InterfaceError, OperationalError

log = logging.getLogger("bot.outbox")

T = TypeVar("T")
RECORD_FOR = 90.0  # seconds a write is tried again before it is given up (and logged)
FIRST_PAUSE = 0.5
LONGEST_PAUSE = 5.0
_UNREACHABLE = (OperationalError, InterfaceError)


async def recorded(write: Callable[[], Awaitable[T]], what: str) -> T:
    """`write()` (which opens its own session), again after a pause while the database cannot
    be reached, for up to RECORD_FOR seconds."""
    deadline = time.monotonic() + RECORD_FOR
    pause = FIRST_PAUSE
    while True:
        try:
            return await write()
        except _UNREACHABLE as exc:
            if time.monotonic() + pause > deadline:
                raise
            log.warning("outbox: could not record %s (%s); again in %.1f s", what,
                        type(exc).__name__, pause)
        await asyncio.sleep(pause)
        pause = min(pause * 2, LONGEST_PAUSE)
