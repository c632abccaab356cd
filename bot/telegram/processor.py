"""Updates of different chats handled side by side, those of one chat and of one person strictly
in the order they came: PTB's update processor with a lock per chat and per person, taken
before a running slot of the bound (`telegram.concurrent_updates`), so a busy chat's queue
holds no slot while it waits and a crowd of reporters does not wait behind each other."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


def keys_of(update: object) -> list[str]:
    """The chat and the person an update belongs to (in a private chat they are the same
    number, kept apart by their prefix), in one order for every update so no two wait on
    each other's locks."""
    if not isinstance(update, Update):
        return []
    keys = []
    if update.effective_chat is not None:
        keys.append(f"chat:{update.effective_chat.id}")
    if update.effective_user is not None:
        keys.append(f"user:{update.effective_user.id}")
    return sorted(keys)


class ChatOrder(BaseUpdateProcessor):
    """At most `running` updates handled at once, one at a time per chat and person; PTB's own
    bound (`in_hand`) only caps the updates taken in and waiting, which hold no running slot
    (PTB takes its slot before this processor sees the update, so a chat's queue behind one
    slow update would otherwise hold every slot)."""

    def __init__(self, running: int, in_hand: int = 1024) -> None:
        super().__init__(max(in_hand, running))
        self._running = asyncio.Semaphore(running)
        self._locks: dict[str, asyncio.Lock] = {}
        self._wanted: dict[str, int] = {}  # key -> updates holding or waiting for its lock

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        started = False
        try:
            async with AsyncExitStack() as stack:
                for key in keys_of(update):
                    await stack.enter_async_context(self._held(key))
                async with self._running:
                    started = True
                    await coroutine
        finally:
            if not started and asyncio.iscoroutine(coroutine):
                coroutine.close()  # cancelled while waiting its turn: never begun

    @asynccontextmanager
    async def _held(self, key: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._wanted[key] = self._wanted.get(key, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._wanted[key] -= 1
            if not self._wanted[key]:  # nobody waits: forget the chat (memory stays bounded)
                del self._wanted[key]
                del self._locks[key]

    @property
    def chats_in_hand(self) -> int:
        """Chats and people with an update being handled or waiting (tests, metrics)."""
        return len(self._locks)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
