"""The typed context every handler gets: settings, the session factory, the grid index and the
renderers of the notice kinds (the table the wiring built the app with)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from models.db import SessionFactory
from services.grid import GridIndexHolder
from services.notices.card import Renderers
from services.settings import Settings


@dataclass
class Deps:
    """What handlers and jobs need, built once in `bot.app` and kept in `bot_data`."""

    settings: Settings
    sessions: SessionFactory
    grid: GridIndexHolder = field(default_factory=GridIndexHolder)
    # Kind -> renderer: a pressed card is redrawn with the table the sender draws notices with.
    renderers: Renderers = field(default_factory=dict)


class Ctx(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with `ctx.deps`."""

    @property
    def deps(self) -> Deps:
        deps = self.bot_data.get("deps")
        if not isinstance(deps, Deps):
            raise RuntimeError("bot_data['deps'] is not set; build the app with bot.app")
        return deps


GridApp = Application[ExtBot[None], Ctx, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any]
