"""The typed context every handler gets: settings, the session factory and the grid index."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from models.db import SessionFactory
from services.settings import Settings


@dataclass
class Deps:
    """What handlers and jobs need, built once in `bot.app` and kept in `bot_data`."""

    settings: Settings
    sessions: SessionFactory
    # services.grid.GridIndexHolder; typed loosely here, as handlers do not
    # import the grid's internals.
    grid: Any = None


class Ctx(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with `ctx.deps`."""

    @property
    def deps(self) -> Deps:
        deps = self.bot_data.get("deps")
        if not isinstance(deps, Deps):
            raise RuntimeError("bot_data['deps'] is not set; build the app with bot.app")
        return deps


GridApp = Application[ExtBot[None], Ctx, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any]
