"""What every conversation and job needs, whatever the channel: settings, the session factory,
the grid index, the renderers of the notice kinds (the table the wiring built the app with) and
the book of commands /help lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from handlers.chat import DeepLink
from handlers.help_book import Entry
from models.db import SessionFactory
from services.grid import GridIndexHolder
from services.metrics import Metrics
from services.notices.card import Renderers
from services.settings import Settings


@dataclass
class Deps:
    """Built once in `bot.telegram.app` and handed to every channel's adapter."""

    settings: Settings
    sessions: SessionFactory
    grid: GridIndexHolder = field(default_factory=GridIndexHolder)
    # Kind -> renderer: a pressed card is redrawn with the table the sender draws notices with.
    renderers: Renderers = field(default_factory=dict)
    # "channel:user id" -> (kind, expires_at) of a button's conversation, or None: learned once
    # per person and process (handlers.pending), as a channel's check cannot wait for the DB.
    pending: dict[str, tuple[str, datetime] | None] = field(default_factory=dict)
    # "channel:user id" -> whether the person has an open report draft (handlers.report).
    drafts: dict[str, bool] = field(default_factory=dict)
    # "channel:user id" -> whether the person is on a patrol (handlers.patrols), learned alike.
    patrols: dict[str, bool] = field(default_factory=dict)
    # What /help lists (handlers.help_book): the channel's adapter fills it once its commands
    # are registered.
    book: list[Entry] = field(default_factory=list)
    # Channel -> its deep link (an invite's, a poster's): set by the channel's adapter.
    links: dict[str, DeepLink] = field(default_factory=dict)
    # What this process counts for /metrics (services.metrics): one registry per Deps.
    metrics: Metrics = field(default_factory=Metrics)
