"""What a rendered notice is, whatever the channel: a Card (HTML text, photos by file id or
bytes, buttons as a label and the short data a press sends back) that a channel's transport
turns into its own calls (bot/telegram/transport.py for Telegram), or an edit of a card already
posted. Pictures are read from the photo store and drawn after the render session is closed
(Pillow in a thread).
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from models import Member, Outbox
from services.notices.kinds import Notice, load_as
from services.settings import Settings

_TAG = re.compile(r"<[^>]+>")
T = TypeVar("T")
Job = Callable[[], Awaitable[bytes | None]]  # reads the photo store, draws in a thread


def in_thread(work: Callable[[], T]) -> Callable[[], Awaitable[T]]:
    """A job of plain drawing (no photo to read): run in a thread when awaited."""
    return lambda: asyncio.to_thread(work)


@dataclass(frozen=True)
class Upload:
    """A report photo sent as its stamped display copy (bytes: a file that kept its EXIF is
    never sent by its own id); the id the channel gives the sent photo is kept on the Photo."""

    photo_id: int
    data: bytes


@dataclass(frozen=True)
class UploadJob:
    """A display copy to read (or make) once the render session is closed; it becomes an
    Upload, or nothing when `load` gives None."""

    photo_id: int
    load: Job


@dataclass(frozen=True)
class Picture:
    """A picture to draw once the render session is closed (no session is held across Pillow):
    `draw` works from plain data the renderer loaded, reads its photos from the store itself and
    does Pillow's work in a thread; None from it means no picture, and the `fallback` file ids
    are sent in its place."""

    draw: Job
    fallback: tuple[str, ...] = ()


@dataclass(frozen=True)
class Document:
    """A file sent with a notice (an order's or a bulletin's .docx): `build` makes its bytes
    from plain data once the render session is closed; `data` is what it made."""

    filename: str
    build: Callable[[], Awaitable[bytes]]
    data: bytes | None = None


@dataclass(frozen=True)
class Button:
    """One button: its label, and the short data a press sends back (ids, never text)."""

    label: str
    data: str


Buttons = tuple[tuple[Button, ...], ...]  # rows of buttons; () for none
# Bytes a Button's data may take: what every transport carries (Telegram's callback data: 64).
BUTTON_DATA_LIMIT = 64


@dataclass(frozen=True)
class Card:
    """One notice to send: HTML text, optional photos (by file id or bytes) and buttons."""

    text: str
    photo_file_ids: tuple[str, ...] = ()
    photo_uploads: tuple[Upload, ...] = ()  # sent after photo_file_ids, before photo_bytes
    photo_bytes: bytes | None = None
    upload_jobs: tuple[UploadJob, ...] = ()  # become photo_uploads in draw_pictures
    picture: Picture | None = None  # drawn into photo_bytes by draw_pictures before sending
    document: Document | None = None  # built by draw_pictures; sent after the photos
    buttons: Buttons = ()
    # Set: edit this earlier message of the chat (a card of a case) instead of sending.
    edit_message_id: int | None = None
    # How: "text", "caption" (a photo's), "markup" (buttons only), "" (find out by trying).
    edit_form: str = ""


# A renderer: the session, the notice read back into its kind, its row (ids, what was sent),
# the recipient (None: a group, or a chat alone) and the settings; None drops the notice.
Render = Callable[[AsyncSession, Any, Outbox, Member | None, Settings], Awaitable[Card | None]]
# Which renderer draws which kind (handlers/notices/table.py builds the program's).
Renderers = Mapping[type[Notice], Render]


def renderer_for(renderers: Renderers, kind: str) -> tuple[type[Notice], Render] | None:
    """The kind of that name and its renderer, if the table has them."""
    for cls, render in renderers.items():
        if kind == cls.KIND:
            return cls, render
    return None


async def render_row(renderers: Renderers, session: AsyncSession, row: Outbox,
                     member: Member | None, settings: Settings) -> Card | None:
    """A queued row drawn by its kind's renderer (LookupError: the table has no such kind)."""
    found = renderer_for(renderers, row.kind)
    if found is None:
        raise LookupError(f"no renderer registered for notice kind {row.kind!r}")
    cls, render = found
    return await render(session, load_as(cls, row.payload, row.case_id), row, member, settings)


async def draw_pictures(card: Card) -> Card:
    """The card with its uploads read, its picture drawn and its document built: call it with
    no session open."""
    if card.document is not None and card.document.data is None:
        card = replace(card, document=replace(card.document, data=await card.document.build()))
    if not card.upload_jobs and card.picture is None:
        return card
    uploads = [*card.photo_uploads]
    for job in card.upload_jobs:
        data = await job.load()
        if data is not None:
            uploads.append(Upload(job.photo_id, data))
    file_ids, data = card.photo_file_ids, card.photo_bytes
    if card.picture is not None:
        data = await card.picture.draw()
        if data is None:
            file_ids += card.picture.fallback
    return replace(card, photo_file_ids=file_ids, photo_uploads=tuple(uploads),
                   upload_jobs=(), photo_bytes=data, picture=None)


def buttons_dict(buttons: Buttons) -> dict[str, Any] | None:
    """The buttons as Telegram's inline keyboard JSON (what `shown` digests)."""
    if not buttons:
        return None
    return {"inline_keyboard": [[{"text": b.label, "callback_data": b.data} for b in row]
                                for row in buttons]}


def shown(card: Card) -> str:
    """A digest of a card's words and buttons: equal digests, nothing to edit."""
    data = json.dumps([card.text, buttons_dict(card.buttons)], ensure_ascii=False,
                      sort_keys=True)
    return hashlib.sha256(data.encode()).hexdigest()[:32]


def visible_length(text: str) -> int:
    """Length of HTML text as Telegram and WeCom show it: after HTML parsing, in UTF-16 code
    units."""
    plain = html.unescape(_TAG.sub("", text))
    return len(plain.encode("utf-16-le")) // 2


def fit_caption(text: str, limit: int) -> str:
    """The card as a photo's caption: whole lines from the top while they fit (the state is
    near the top; each line closes its own tags), "" when not even the first does."""
    if visible_length(text) <= limit:
        return text
    lines = text.split("\n")
    while lines and visible_length("\n".join(lines) + "\n…") > limit:
        lines.pop()
    return "\n".join(lines) + "\n…" if lines else ""
