"""A member's messages paced across processes: WeCom takes 30 a minute from an app to one
member and drops the rest while answering ok, so before each message the process reads, in the
database, when that member's last messages went (`models.PaceMark`), whichever process sent
them, and waits its turn. A process killed and started again, or a second one beside it,
keeps the pace the first began; inside one process a lock per member keeps the order."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select

from bot.wecom.limits import PER_MEMBER_PER_MINUTE
from models import PaceMark
from models.db import SessionFactory

WINDOW = timedelta(seconds=60)
MEMBER_BUDGET = PER_MEMBER_PER_MINUTE - 2  # a margin for the time a message takes to arrive


class MemberPace:
    """At most `budget` messages to one member in any minute, all processes together (two
    processes deciding in the same instant may each send one: the budget keeps a margin)."""

    def __init__(self, sessions: SessionFactory, channel: str, budget: int = MEMBER_BUDGET,
                 clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.sessions = sessions
        self.channel = channel
        self.budget = budget
        self.clock = clock  # seconds since the epoch, the same on every machine
        self.sleep = sleep
        self._locks: dict[str, asyncio.Lock] = {}

    async def turn(self, user: str) -> None:
        """Wait until one more message to `user` keeps the pace, and count it."""
        user = user.lower()
        async with self._locks.setdefault(user, asyncio.Lock()):
            while True:
                now = datetime.fromtimestamp(self.clock(), UTC)
                mine = (PaceMark.channel == self.channel) & (PaceMark.user_id == user)
                async with self.sessions() as session:
                    recent = list(await session.scalars(
                        select(PaceMark.sent_at).where(mine, PaceMark.sent_at > now - WINDOW)
                        .order_by(PaceMark.sent_at)))
                    if len(recent) < self.budget:
                        await session.execute(delete(PaceMark).where(
                            mine, PaceMark.sent_at <= now - WINDOW))
                        session.add(PaceMark(channel=self.channel, user_id=user, sent_at=now))
                        await session.commit()
                        return
                oldest = recent[-self.budget]
                await self.sleep((oldest + WINDOW - now).total_seconds() + 0.05)
