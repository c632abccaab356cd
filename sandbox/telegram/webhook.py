"""Telegram's side of a webhook, for the sandbox: pending updates are posted to the bot.

Once the bot has called setWebhook, each pending update is POSTed as JSON, oldest first and
one at a time, with the bot's secret in X-Telegram-Bot-Api-Secret-Token; a 2xx answer takes it
off the queue, anything else (or no answer) is retried, as Telegram does. Telegram needs an
https URL, which a local bot does not have, so the posts go to `targets` instead: the role of
the reverse proxy. Several targets are taken in turn, update by update (a proxy balancing two
processes); with none, the registered URL itself is used.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import aiohttp

from sandbox.telegram.emulator import BotApiEmulator
from sandbox.telegram.state import JSON

log = logging.getLogger("gridpatrol.sandbox")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass(frozen=True)
class Delivery:
    """One POST of one update: where it went and what the bot answered (0: no answer)."""

    target: str
    update_id: int
    status: int


class WebhookDelivery:
    """Post the emulator's pending updates to the bot while `start()`ed."""

    def __init__(
        self,
        emulator: BotApiEmulator,
        targets: Sequence[str] = (),
        *,
        retry_delay: float = 0.2,
        timeout: float = 10.0,
    ) -> None:
        self.emulator = emulator
        self.targets = list(targets)
        self.retry_delay = retry_delay
        self.timeout = timeout
        self.deliveries: list[Delivery] = []  # every attempt, for tests
        self._turn = itertools.cycle(self.targets) if self.targets else None
        self._task: asyncio.Task[None] | None = None

    def delivered_to(self, target: str) -> list[int]:
        """Update ids the bot at `target` accepted."""
        return [d.update_id for d in self.deliveries if d.target == target and d.status < 300]

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="sandbox webhook delivery")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def __aenter__(self) -> WebhookDelivery:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _run(self) -> None:
        state = self.emulator.state
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            while True:
                if not state.webhook_url or not state.updates:
                    await state.wait_change(1.0)
                    continue
                update = state.updates[0]
                target = next(self._turn) if self._turn is not None else state.webhook_url
                status = await self._post(http, target, update)
                self.deliveries.append(Delivery(target, int(update["update_id"]), status))
                if 200 <= status < 300:
                    state.updates = [u for u in state.updates
                                     if u["update_id"] != update["update_id"]]
                else:
                    log.warning("sandbox webhook: update %s to %s: %s", update["update_id"],
                                target, status or "no answer")
                    await asyncio.sleep(self.retry_delay)

    async def _post(self, http: aiohttp.ClientSession, target: str, update: JSON) -> int:
        headers = {SECRET_HEADER: self.emulator.state.webhook_secret} \
            if self.emulator.state.webhook_secret else {}
        try:
            async with http.post(target, json=update, headers=headers) as response:
                await response.read()
                return response.status
        except (aiohttp.ClientError, TimeoutError):
            return 0
