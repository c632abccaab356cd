"""The per-user flood guard, ahead of every other handler.

One person (or a script with their account) sending hundreds of updates must not queue work
for everyone else: past `[limits] user_updates` updates within `user_window`, the bot answers
once, politely, and drops the rest until the window passes. The check is a dict lookup, so the
people who are not flooding pay nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from telegram import Update
from telegram.ext import ApplicationHandlerStop, TypeHandler

from handlers import order
from handlers.common import tr
from handlers.context import Ctx, GridApp

STATE_KEY = "throttle"
PRUNE_AT = 10_000  # windows kept before the stale ones are dropped


@dataclass
class Window:
    """One person's current window: when it opened, how many updates, whether we told them."""

    started: float
    count: int = 0
    warned: bool = False


class FloodGuard:
    """Fixed windows per user id; `clock` is monotonic seconds (tests may pass their own)."""

    def __init__(self, limit: int, window: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self.windows: dict[int, Window] = {}
        self.dropped = 0

    def admit(self, user_id: int) -> tuple[bool, bool]:
        """(let the update through, tell the person once that they are being ignored)."""
        now = self.clock()
        current = self.windows.get(user_id)
        if current is None or now - current.started >= self.window:
            if current is None and len(self.windows) >= PRUNE_AT:
                self._prune(now)
            current = self.windows[user_id] = Window(now)
        current.count += 1
        if current.count <= self.limit:
            return True, False
        self.dropped += 1
        warn = not current.warned
        current.warned = True
        return False, warn

    def _prune(self, now: float) -> None:
        stale = [uid for uid, w in self.windows.items() if now - w.started >= self.window]
        for uid in stale:
            del self.windows[uid]


def guard_of(ctx: Ctx) -> FloodGuard:
    guard = ctx.bot_data.get(STATE_KEY)
    if not isinstance(guard, FloodGuard):
        limits = ctx.deps.settings.limits
        guard = FloodGuard(limits.user_updates, limits.user_window.total_seconds())
        ctx.bot_data[STATE_KEY] = guard
    return guard


async def throttle(update: Update, ctx: Ctx) -> None:
    """Let the update on, or drop it (telling the person the first time)."""
    user = update.effective_user
    if user is None or user.is_bot:
        return
    allowed, warn = guard_of(ctx).admit(user.id)
    if allowed:
        return
    if warn:
        t = tr(update, ctx)  # Telegram's language: no database work for a flood
        text = t("You are sending messages faster than I can read them. I will ignore new ones "
                 "for a moment; please wait a little, then go on.")
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        elif update.effective_chat is not None and update.effective_chat.type == "private":
            await ctx.bot.send_message(update.effective_chat.id, text)  # groups: stay quiet
    raise ApplicationHandlerStop


def register(app: GridApp) -> None:
    app.add_handler(TypeHandler(Update, throttle), group=order.THROTTLE)
