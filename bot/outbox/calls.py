"""How long the sender waits before it tries a notice again."""

from __future__ import annotations

import random
from datetime import timedelta

BACKOFF_BASE = timedelta(seconds=10)
BACKOFF_MAX = timedelta(hours=1)
JITTER = 0.25  # up to a quarter more, so retries of a burst do not come back as a burst


def backoff(attempts: int) -> timedelta:
    """10 s, 20 s, 40 s ... at most an hour, each up to a quarter longer at random."""
    delay: timedelta = BACKOFF_BASE * 2 ** min(max(attempts - 1, 0), 20)
    return min(delay, BACKOFF_MAX) * (1 + random.random() * JITTER)
