"""Telegram's flood limits as token buckets: per private chat, per group, and for the whole bot."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FloodConfig:
    """About 1 message a second per private chat (a short burst allowed), 20 a minute per
    group, about 30 a second overall. `enabled=False` lets everything through."""

    enabled: bool = True
    private_per_second: float = 1.0
    private_burst: int = 5
    group_per_minute: float = 20.0
    group_burst: int = 20
    global_per_second: float = 30.0
    global_burst: int = 30


@dataclass
class _Bucket:
    rate: float  # tokens per second
    capacity: float
    tokens: float
    stamp: float

    def refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait_for(self, cost: float) -> float:
        """Seconds until `cost` tokens are there (0 when they are)."""
        missing = cost - self.tokens
        return 0.0 if missing <= 1e-9 else missing / self.rate


@dataclass
class FloodControl:
    """Answers "may this chat get `cost` more messages now?"; when not, how long to wait."""

    config: FloodConfig
    clock: Callable[[], float]
    _chats: dict[int, _Bucket] = field(default_factory=dict)
    _global: _Bucket | None = None

    def _bucket(self, chat_id: int, is_group: bool, now: float) -> _Bucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if is_group:
                rate, cap = self.config.group_per_minute / 60.0, float(self.config.group_burst)
            else:
                rate, cap = self.config.private_per_second, float(self.config.private_burst)
            bucket = _Bucket(rate, cap, cap, now)
            self._chats[chat_id] = bucket
        return bucket

    def take(self, chat_id: int, is_group: bool, cost: int = 1) -> int | None:
        """None when allowed (and counted), else retry_after in whole seconds (at least 1)."""
        if not self.config.enabled:
            return None
        now = self.clock()
        if self._global is None:
            cap = float(self.config.global_burst)
            self._global = _Bucket(self.config.global_per_second, cap, cap, now)
        chat = self._bucket(chat_id, is_group, now)
        chat.refill(now)
        self._global.refill(now)
        wait = max(chat.wait_for(cost), self._global.wait_for(cost))
        if wait > 0:
            return max(1, math.ceil(wait))
        chat.tokens -= cost
        self._global.tokens -= cost
        return None
