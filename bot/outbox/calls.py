"""The sender's pure helpers: which network failures may have been delivered, and how long to
wait before trying again."""

from __future__ import annotations

import random
import warnings
from datetime import timedelta

import httpx
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.warnings import PTBDeprecationWarning

BACKOFF_BASE = timedelta(seconds=10)
BACKOFF_MAX = timedelta(hours=1)
JITTER = 0.25  # up to a quarter more, so retries of a burst do not come back as a burst
# Failures that happen before the request leaves this machine: safe to send again.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def retry_seconds(exc: RetryAfter) -> float:
    """RetryAfter.retry_after is an int in PTB 22 and a timedelta with PTB_TIMEDELTA=1."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: int | timedelta = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def backoff(attempts: int) -> timedelta:
    """10 s, 20 s, 40 s ... at most an hour, each up to a quarter longer at random."""
    delay: timedelta = BACKOFF_BASE * 2 ** min(max(attempts - 1, 0), 20)
    return min(delay, BACKOFF_MAX) * (1 + random.random() * JITTER)


def maybe_delivered(exc: NetworkError) -> bool:
    """A timeout or a dropped connection after the request went out may have been delivered;
    a refused connection, a pool timeout or an HTTP 5xx answer was not."""
    cause: BaseException | None = exc.__cause__
    if isinstance(cause, _NOT_SENT):
        return False
    if isinstance(exc, TimedOut):
        return True
    return cause is not None  # PTB raises NetworkError without a cause for 5xx answers
