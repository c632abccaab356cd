"""Notice renderers: an outbox row in, a Telegram message (text, photos, buttons) out.

Each kind of notice registers one renderer here; `bot.outbox` looks it up at send time and
renders in the recipient's language, so a notice queued in one language is never stale.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup

from models import Member, Outbox
from services.settings import Settings


@dataclass(frozen=True)
class Rendered:
    """One message to send: HTML text, optional photos (by file id or bytes) and buttons."""

    text: str
    photo_file_ids: tuple[str, ...] = ()
    photo_bytes: bytes | None = None
    keyboard: InlineKeyboardMarkup | None = None
    # Set: edit this earlier message of the chat (a group's case card) instead of sending.
    edit_message_id: int | None = None
    edit_caption: bool = False  # that message is a photo whose caption is the text


Renderer = Callable[[AsyncSession, Outbox, Member | None, Settings], Awaitable[Rendered | None]]
RENDERERS: dict[str, Renderer] = {}


def renderer(kind: str) -> Callable[[Renderer], Renderer]:
    """Register the renderer of one notice kind; a None result drops the notice."""

    def register(fn: Renderer) -> Renderer:
        if kind in RENDERERS:
            raise ValueError(f"two renderers for notice kind {kind!r}")
        RENDERERS[kind] = fn
        return fn

    return register
