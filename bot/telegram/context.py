"""The typed PTB context of every Telegram callback and job: `ctx.deps`, the conversations' Deps."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from handlers.deps import Deps


class Ctx(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with `ctx.deps`."""

    @property
    def deps(self) -> Deps:
        deps = self.bot_data.get("deps")
        if not isinstance(deps, Deps):
            raise RuntimeError("bot_data['deps'] is not set; build the app with bot.telegram.app")
        return deps


GridApp = Application[ExtBot[Any], Ctx, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any]
