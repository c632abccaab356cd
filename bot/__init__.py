"""The program: configuration, composition root, CLI, jobs, the outbox sender and the sandbox."""

import os

# Opt in to PTB's timedelta durations now (RetryAfter.retry_after), instead of a warning per 429.
os.environ.setdefault("PTB_TIMEDELTA", "1")
