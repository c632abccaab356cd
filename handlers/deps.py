"""What every conversation and job needs, whatever the channel: settings, the session factory,
the grid index and the renderers of the notice kinds (the table the wiring built the app with)."""

from __future__ import annotations

from dataclasses import dataclass, field

from models.db import SessionFactory
from services.grid import GridIndexHolder
from services.notices.card import Renderers
from services.settings import Settings


@dataclass
class Deps:
    """Built once in `bot.app` and handed to every channel's adapter."""

    settings: Settings
    sessions: SessionFactory
    grid: GridIndexHolder = field(default_factory=GridIndexHolder)
    # Kind -> renderer: a pressed card is redrawn with the table the sender draws notices with.
    renderers: Renderers = field(default_factory=dict)
