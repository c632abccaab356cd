"""The local sandbox: a Bot API emulator with a web chat, so the bot runs without Telegram.

- `BotApiEmulator` (emulator.py): Telegram in memory, strict like Telegram; `call()` for bots,
  `.users` for the people on the other side, `.faults` to make the next calls fail.
- server.py: the same over HTTP on 127.0.0.1 (Bot API, file downloads, the control API in
  control.py, the web chat in static/); runner.py: `gridpatrol sandbox` (server + real bot).
- tests/harness.py: a PTB Application on the emulator in-process, for tests.
"""

from bot.sandbox.emulator import DEFAULT_TOKEN, BotApiEmulator, Refusal
from bot.sandbox.errors import SimulatedTimeout
from bot.sandbox.flood import FloodConfig

__all__ = ["DEFAULT_TOKEN", "BotApiEmulator", "FloodConfig", "Refusal", "SimulatedTimeout"]
