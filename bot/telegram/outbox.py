"""The outbox job on Telegram: one sender per bot and process (its pacer must outlive one
job run), sending through the Telegram transport, stopped with the application."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from telegram import Bot
from telegram.ext import Application

from bot.outbox import Sender
from bot.outbox.deps import Deps
from bot.outbox.pacing import Pacer
from bot.runtime import lease_of
from bot.telegram.pace import PACER_KEY
from bot.telegram.transport import TelegramTransport
from services.notices.card import Renderers

RENDERERS_KEY = "notice_renderers"  # bot_data: the renderers the wiring gave the sender

AnyApp = Application[Any, Any, Any, Any, Any, Any]
_senders: dict[tuple[int, int], Sender] = {}


def sender_for(bot: Bot, deps: Deps, renderers: Renderers, pacer: Pacer | None = None
               ) -> Sender:
    """The process's sender for this bot (`pacer`: the one its direct replies keep too)."""
    key = (id(bot), id(deps))
    sender = _senders.get(key)
    if sender is None:
        sender = _senders[key] = Sender(TelegramTransport(bot), deps, renderers, pacer=pacer)
        weakref.finalize(bot, _senders.pop, key, None)
    sender.renderers = renderers
    return sender


async def close_sender(app: AnyApp, deps: Deps) -> None:
    """The graceful stop of the app's sender (its post_stop): the sends in flight finish, the
    rest go back to pending, none starts."""
    sender = _senders.get((id(app.bot), id(deps)))
    if sender is not None:
        await sender.close()


def _running(app: AnyApp) -> Callable[[], bool]:
    ref = weakref.ref(app)  # the registry must not keep a finished application alive

    def running() -> bool:
        live = ref()
        return live is not None and live.running

    return running


async def drain_once(app_or_bot: Bot | AnyApp, deps: Deps,
                     renderers: Renderers | None = None) -> int:
    """One run of the outbox job (Sender.one_run). The renderers are the app's
    (bot_data[RENDERERS_KEY]) unless given."""
    bot = app_or_bot if isinstance(app_or_bot, Bot) else app_or_bot.bot
    if renderers is None:
        assert isinstance(app_or_bot, Application), "a bare bot needs its renderers"
        renderers = app_or_bot.bot_data[RENDERERS_KEY]
    pacer = app_or_bot.bot_data.get(PACER_KEY) if isinstance(app_or_bot, Application) else None
    sender = sender_for(bot, deps, renderers, pacer)
    if isinstance(app_or_bot, Application):
        sender.watch(_running(app_or_bot))
        sender.lease = lease_of(app_or_bot.bot_data)
    return await sender.one_run()
