"""The per-person flood guard, ahead of every other handler, in any channel.

One person (or a script with their account) sending hundreds of updates must not queue work
for everyone else: past `[limits] user_updates` updates within `user_window`, the bot answers
once, politely, and drops the rest until the window passes. The check is a dict lookup, so the
people who are not flooding pay nothing. The channel's adapter asks before every update
(bot/telegram/throttle.py on Telegram).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from handlers.chat import Answer, Reply, Who
from services.i18n import normalize, translator
from services.settings import Settings

PRUNE_AT = 10_000  # windows kept before the stale ones are dropped


@dataclass
class Window:
    """One person's current window: when it opened, how many updates, whether we told them."""

    started: float
    count: int = 0
    warned: bool = False


@dataclass(frozen=True)
class Verdict:
    """Whether to let the update on, and what to tell the person when it is dropped (once)."""

    admit: bool
    answer: Answer | None = None


ADMIT = Verdict(True)


class FloodGuard:
    """Fixed windows per person; `clock` is monotonic seconds (tests may pass their own)."""

    def __init__(self, limit: int, window: float, default_language: str = "zh_CN",
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.default_language = default_language
        self.clock = clock
        self.windows: dict[str, Window] = {}
        self.dropped = 0

    @classmethod
    def of(cls, settings: Settings) -> FloodGuard:
        limits = settings.limits
        return cls(limits.user_updates, limits.user_window.total_seconds(),
                   settings.locale.default)

    def admit(self, key: str) -> tuple[bool, bool]:
        """(let the update through, tell the person once that they are being ignored)."""
        now = self.clock()
        current = self.windows.get(key)
        if current is None or now - current.started >= self.window:
            if current is None and len(self.windows) >= PRUNE_AT:
                self._prune(now)
            current = self.windows[key] = Window(now)
        current.count += 1
        if current.count <= self.limit:
            return True, False
        self.dropped += 1
        warn = not current.warned
        current.warned = True
        return False, warn

    def judge(self, who: Who, *, press: bool = False) -> Verdict:
        """Let `who`'s update on, or drop it: the first dropped one is answered (a press with
        an alert, a private message with a reply; a group hears nothing)."""
        allowed, warn = self.admit(f"{who.channel}:{who.user_id}")
        if allowed:
            return ADMIT
        if not warn:
            return Verdict(False)
        # The chat's language for the person: no database work for a flood.
        t = translator(normalize(who.language_code, self.default_language))
        text = t("You are sending messages faster than I can read them. I will ignore new ones "
                 "for a moment; please wait a little, then go on.")
        if press:
            return Verdict(False, Answer(toast=text, alert=True))
        return Verdict(False, Answer([Reply(text)]) if who.private else None)

    def _prune(self, now: float) -> None:
        stale = [key for key, w in self.windows.items() if now - w.started >= self.window]
        for key in stale:
            del self.windows[key]
