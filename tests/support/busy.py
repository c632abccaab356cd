"""A machine kept busy: every core spinning in a process of its own, for tests that must hold
when the bot does not have the CPU to itself (a CI runner, the whole suite beside it)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

SPIN = "while True: pass"


@contextmanager
def busy_cores(count: int | None = None) -> Iterator[list[subprocess.Popen[bytes]]]:
    """`count` (default: one per core) CPU-bound processes for as long as the block runs."""
    spinners = [subprocess.Popen([sys.executable, "-c", SPIN])
                for _ in range(count or os.cpu_count() or 2)]
    try:
        yield spinners
    finally:
        for spinner in spinners:
            spinner.kill()
        for spinner in spinners:
            spinner.wait()
