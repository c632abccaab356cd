"""Telegram in memory, strict like Telegram, so the bot runs and is tested without it.

- `BotApiEmulator` (emulator.py): `call()` for bots, `.users` for the people on the other side,
  `.faults` to make the next calls fail; every call checked against botapi.json (spec.py).
- http.py: the Bot API and file downloads over HTTP; control.py: the control API
  (/sandbox/api/...) that tests, scripts and the web chat use to act as users.
- echo.py: a tiny bot that exercises the emulator itself.
"""

from sandbox.telegram.emulator import DEFAULT_TOKEN, BotApiEmulator, Refusal
from sandbox.telegram.errors import SimulatedTimeout
from sandbox.telegram.flood import FloodConfig

__all__ = ["DEFAULT_TOKEN", "BotApiEmulator", "FloodConfig", "Refusal", "SimulatedTimeout"]
