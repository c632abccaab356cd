"""One piece of async work with an engine of its own, disposed after: what a one-shot command
(`gridpatrol sweep`, `outbox status`, `ledger export`, ...) runs its database work in."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from models.db import SessionFactory, make_engine, make_session_factory
from services.settings import Settings

T = TypeVar("T")


def with_sessions(settings: Settings, work: Callable[[SessionFactory], Awaitable[T]]) -> T:
    """Run one async piece of work with a session factory, disposing the engine after."""

    async def runner() -> T:
        engine = make_engine(settings.database.url)
        try:
            return await work(make_session_factory(engine))
        finally:
            await engine.dispose()

    return asyncio.run(runner())
