"""Notice renderers' common ground: a notice (a kind of services/notices/kinds.py) and its row
in, a message (text, photos, PTB buttons) out, turned into a channel-neutral Card for the
sender; the table of which renderer draws which kind is handlers/notice_table.py.

Renderers render in the recipient's language at send time, so a notice queued in one language
is never stale; a None result drops the notice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from models import Member, Outbox
from services.i18n import Translator, translator
from services.notices.card import Button, Buttons, Card, Picture, Render, Upload, UploadJob
from services.settings import Settings


@dataclass(frozen=True)
class Rendered:
    """One message: HTML text, optional photos (by file id or bytes) and PTB buttons (a card
    a conversation replies with, or a notice before it becomes a Card)."""

    text: str
    photo_file_ids: tuple[str, ...] = ()
    photo_uploads: tuple[Upload, ...] = ()  # sent after photo_file_ids, before photo_bytes
    photo_bytes: bytes | None = None
    upload_jobs: tuple[UploadJob, ...] = ()  # become photo_uploads in draw_pictures
    picture: Picture | None = None  # drawn into photo_bytes by draw_pictures before sending
    keyboard: InlineKeyboardMarkup | None = None


# A renderer of one kind: the session, the notice read back into its kind, its row (ids,
# result), the recipient (None: a group, or a chat alone) and the settings.
Renderer = Callable[[AsyncSession, Any, Outbox, Member | None, Settings],
                    Awaitable[Rendered | None]]


def buttons_of(keyboard: InlineKeyboardMarkup | None) -> Buttons:
    """PTB buttons as a Card's (every button of ours carries callback data)."""
    if keyboard is None:
        return ()
    rows = tuple(tuple(Button(b.text, str(b.callback_data)) for b in row)
                 for row in keyboard.inline_keyboard)
    return tuple(row for row in rows if row)


def markup(buttons: Buttons) -> InlineKeyboardMarkup | None:
    """A Card's buttons as PTB's (None for none)."""
    if not buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.data)
                                  for b in row] for row in buttons])


def to_card(rendered: Rendered) -> Card:
    """A rendered message as the sender's channel-neutral Card."""
    return Card(text=rendered.text, photo_file_ids=rendered.photo_file_ids,
                photo_uploads=rendered.photo_uploads, photo_bytes=rendered.photo_bytes,
                upload_jobs=rendered.upload_jobs, picture=rendered.picture,
                buttons=buttons_of(rendered.keyboard))


def as_card(render: Renderer) -> Render:
    """A renderer whose message is handed to the sender as a Card."""

    async def card(session: AsyncSession, notice: Any, row: Outbox, member: Member | None,
                   settings: Settings) -> Card | None:
        rendered = await render(session, notice, row, member, settings)
        return to_card(rendered) if rendered is not None else None

    card.__doc__ = render.__doc__
    card.__wrapped__ = render  # type: ignore[attr-defined]
    return card


def notice_translator(member: Member | None, settings: Settings) -> Translator:
    """The recipient's language; a notice to a group (no member) uses the default one."""
    return translator(member.language if member else settings.locale.default)
