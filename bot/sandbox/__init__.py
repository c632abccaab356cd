"""The local sandbox: a Bot API emulator with a web chat, so the bot runs without Telegram."""

from bot.sandbox.emulator import DEFAULT_TOKEN, BotApiEmulator, Refusal
from bot.sandbox.errors import SimulatedTimeout
from bot.sandbox.flood import FloodConfig

__all__ = ["DEFAULT_TOKEN", "BotApiEmulator", "FloodConfig", "Refusal", "SimulatedTimeout"]
