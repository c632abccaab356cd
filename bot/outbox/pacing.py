"""Telegram's flood bounds kept on our side: the sender waits for a slot instead of meeting a 429.

Each bound is a GCRA limiter (a token bucket kept as one "theoretical arrival time"): the whole
bot (~30 a second), every private chat (1 a second) and every group (20 a minute; Telegram group
ids are negative). Our bursts are smaller than Telegram's, so network jitter, which can bunch
messages that left on time, still fits in Telegram's buckets. Time comes from `clock`
(monotonic seconds), so tests run the limiter on a fake clock.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from services.settings import OutboxSettings

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

GLOBAL_BURST = 10  # Telegram lets about 30 through at once; we keep 20 for jitter
PRIVATE_BURST = 3  # a short burst to one person is fine; the sandbox allows 5
GROUP_BURST = 1  # a group gets an even 3 s spacing: 60 alerts take three minutes
FORGET_AFTER = 600.0  # a chat quiet this long has a full bucket again; drop its record


def is_group(chat_id: str | int) -> bool:
    """Groups, supergroups and channels have negative ids on Telegram."""
    return str(chat_id).startswith("-")


@dataclass
class Gcra:
    """One bound: `interval` seconds per message on average, `burst` messages at once."""

    interval: float
    burst: int
    tat: float = float("-inf")  # when the bucket would be full again ("theoretical arrival")

    def ready_at(self, now: float) -> float:
        """The earliest moment (>= now) one more message conforms."""
        return max(now, self.tat - (self.burst - 1) * self.interval)

    def take(self, at: float) -> None:
        """Count one message sent at `at` (at >= ready_at)."""
        self.tat = max(self.tat, at) + self.interval


@dataclass
class Pacer:
    """Hands out send slots that keep every bound; `reserve` is synchronous, so concurrent
    senders get distinct slots, and `acquire` sleeps until the slot comes."""

    settings: OutboxSettings
    clock: Clock = time.monotonic
    sleep: Sleep = asyncio.sleep
    global_burst: int = GLOBAL_BURST
    private_burst: int = PRIVATE_BURST
    group_burst: int = GROUP_BURST
    _global: Gcra = field(init=False)
    _chats: dict[str, Gcra] = field(default_factory=dict, init=False)
    _held_until: float = field(default=float("-inf"), init=False)

    def __post_init__(self) -> None:
        self._global = Gcra(1.0 / self.settings.global_per_second, self.global_burst)

    def share(self, senders: int) -> None:
        """Several sender processes split the global bound evenly (each paces its share)."""
        self._global.interval = max(senders, 1) / self.settings.global_per_second

    def _chat(self, chat_id: str) -> Gcra:
        limiter = self._chats.get(chat_id)
        if limiter is None:
            if is_group(chat_id):
                limiter = Gcra(60.0 / self.settings.group_per_minute, self.group_burst)
            else:
                limiter = Gcra(1.0 / self.settings.private_per_second, self.private_burst)
            self._chats[chat_id] = limiter
        return limiter

    def chat_ready_at(self, chat_id: str) -> float:
        """When this chat may get its next message (the global bound aside)."""
        now = self.clock()
        limiter = self._chats.get(chat_id)
        ready = now if limiter is None else limiter.ready_at(now)
        return max(ready, self._held_until)

    def chat_free(self, chat_id: str) -> bool:
        return self.chat_ready_at(chat_id) <= self.clock()

    def global_ready_at(self) -> float:
        return max(self._global.ready_at(self.clock()), self._held_until)

    def slots_within(self, horizon: float) -> int:
        """How many messages the global bound lets go in the next `horizon` seconds."""
        now = self.clock()
        if self._held_until > now + horizon:
            return 0
        probe = Gcra(self._global.interval, self._global.burst, self._global.tat)
        count = 0
        while (at := probe.ready_at(max(now, self._held_until))) <= now + horizon:
            probe.take(at)
            count += 1
        return count

    def reserve(self, chat_id: str) -> float:
        """Take the earliest slot that keeps the chat's bound and the global one; its time."""
        chat = self._chat(chat_id)
        now = self.clock()
        at = max(chat.ready_at(now), self._global.ready_at(now), self._held_until)
        chat.take(at)
        self._global.take(at)
        return at

    async def until_ready(self, chat_id: str) -> None:
        """Wait until a message to `chat_id` could go, without taking the slot (a sender that
        must write something first waits here, then writes, then acquires)."""
        while (delay := max(self.chat_ready_at(chat_id), self.global_ready_at())
               - self.clock()) > 0:
            await self.sleep(delay)

    async def acquire(self, chat_id: str, taken: Callable[[], None] | None = None) -> None:
        """Wait for and take the next slot for one message to `chat_id` (`taken` is told once it
        is taken, before the wait); a flood wait that began while we slept (`hold`) is waited
        out, and a new slot taken after it."""
        await self._slot(lambda: self.reserve(chat_id), taken)

    async def acquire_global(self) -> None:
        """Wait for and take a slot of the global bound alone (a direct reply to a person, who
        sends at a human pace: their own chat's bound is theirs to keep)."""
        await self._slot(self._reserve_global)

    def _reserve_global(self) -> float:
        at = max(self._global.ready_at(self.clock()), self._held_until)
        self._global.take(at)
        return at

    async def _slot(self, reserve: Callable[[], float],
                    taken: Callable[[], None] | None = None) -> None:
        while True:
            at = reserve()
            if taken is not None:
                taken()
            delay = at - self.clock()
            if delay > 0:
                await self.sleep(delay)
            if self._held_until <= self.clock():
                return
            await self.sleep(self._held_until - self.clock())

    def hold(self, seconds: float) -> None:
        """Telegram said "retry after": nothing goes out for that long."""
        self._held_until = max(self._held_until, self.clock() + seconds)

    def forget_idle(self) -> None:
        """Drop the records of chats whose buckets are full again (memory stays bounded)."""
        now = self.clock()
        stale = [c for c, g in self._chats.items() if g.tat + FORGET_AFTER < now]
        for chat_id in stale:
            del self._chats[chat_id]
