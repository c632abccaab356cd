"""One pace for everything the bot says on Telegram: direct replies go through PTB's rate
limiter hook on the same Pacer the outbox sender uses, so replies and notices together keep
Telegram's ~30 messages a second (and a group's 20 a minute); a reply takes the next slot,
ahead of notices not yet begun. A 429 on a reply is waited out and the reply made once more
(a 429 means it was not sent: it is neither lost nor sent twice). The sender's own calls pass
untouched: it paces them and handles their 429s itself."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.outbox.pacing import Pacer, is_group
from bot.telegram.transport import in_outbox_call, retry_seconds

log = logging.getLogger(__name__)

PACER_KEY = "pacer"  # bot_data: the process's Telegram pacer, shared by replies and notices
SENDS = frozenset({"sendMessage", "sendPhoto", "sendMediaGroup", "sendDocument",
                   "sendLocation", "sendVenue", "copyMessage", "forwardMessage"})
Result = bool | dict[str, Any] | list[dict[str, Any]]


class ReplyPacing(BaseRateLimiter[dict[str, Any]]):
    def __init__(self, pacer: Pacer) -> None:
        self.pacer = pacer
        self.waited_out = 0  # replies Telegram answered 429 and that were made again
        self.on_flood: Callable[[], None] = lambda: None  # counted for /metrics

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def _turn(self, chat_id: Any) -> None:
        if is_group(chat_id):
            await self.pacer.acquire(str(chat_id))
        else:
            await self.pacer.acquire_global()

    async def process_request(
        self, callback: Callable[..., Coroutine[Any, Any, Result]], args: Any,
        kwargs: dict[str, Any], endpoint: str, data: dict[str, Any],
        rate_limit_args: dict[str, Any] | None,
    ) -> Result:
        chat_id = data.get("chat_id")
        paced = endpoint in SENDS and chat_id is not None and not in_outbox_call()
        if paced:
            await self._turn(chat_id)
        try:
            return await callback(*args, **kwargs)
        except RetryAfter as exc:
            if not paced:
                raise
            seconds = retry_seconds(exc)
            log.warning("reply to %s: flood control, once more in %.0f s", chat_id, seconds)
            self.pacer.hold(seconds)  # the next turn waits it out, notices' too
            self.waited_out += 1
            self.on_flood()
            await self._turn(chat_id)
            return await callback(*args, **kwargs)
