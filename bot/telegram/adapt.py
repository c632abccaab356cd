"""A channel-neutral conversation (handlers: `(Inbound, Deps) -> Answer | None`) as a PTB
callback: the update read as an Inbound, the conversation run (it commits its own unit of
work), then its answer given on Telegram."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.telegram.answer import give
from bot.telegram.context import Ctx
from bot.telegram.inbound import inbound_of
from handlers.chat import Answer, Inbound
from handlers.deps import Deps

Conversation = Callable[[Inbound, Deps], Awaitable[Answer | None]]
Callback = Callable[[Update, Ctx], Coroutine[Any, Any, None]]


def on(conversation: Conversation, *, final: bool = False) -> Callback:
    """The PTB callback that runs `conversation` for an update; `final`: once it answers, the
    update goes to no later handler group."""

    async def callback(update: Update, ctx: Ctx) -> None:
        inbound = inbound_of(update, ctx.chat_data)
        if inbound is None:
            return
        answer = await conversation(inbound, ctx.deps)
        if answer is not None:
            await give(update, ctx, answer)
            if final:
                raise ApplicationHandlerStop

    callback.__name__ = callback.__qualname__ = getattr(conversation, "__name__", "callback")
    callback.__wrapped__ = conversation  # type: ignore[attr-defined]
    return callback
