"""Notice renderers: an outbox row in, a Telegram message (text, photos, buttons) out.

Each kind of notice registers one renderer here; `bot.outbox` looks it up at send time and
renders in the recipient's language, so a notice queued in one language is never stale.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Message

from models import Member, Outbox
from models.db import SessionFactory
from services.cases import remember_sent_ids
from services.i18n import Translator, translator
from services.settings import Settings


@dataclass(frozen=True)
class Upload:
    """A report photo sent as its stamped display copy (bytes: a file that kept its EXIF is
    never sent by its own id); the id Telegram gives the sent photo is kept on the Photo row."""

    photo_id: int
    data: bytes


@dataclass(frozen=True)
class UploadJob:
    """A display copy to read (or make) once the render session is closed, in a thread; it
    becomes an Upload, or nothing when `load` gives None."""

    photo_id: int
    load: Callable[[], bytes | None]


@dataclass(frozen=True)
class Picture:
    """A picture to draw once the render session is closed (no session is held across Pillow):
    `draw` works from plain data the renderer loaded, in a thread, and reads its files itself;
    None from it means no picture, and the `fallback` file ids are sent in its place."""

    draw: Callable[[], bytes | None]
    fallback: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rendered:
    """One message to send: HTML text, optional photos (by file id or bytes) and buttons."""

    text: str
    photo_file_ids: tuple[str, ...] = ()
    photo_uploads: tuple[Upload, ...] = ()  # sent after photo_file_ids, before photo_bytes
    photo_bytes: bytes | None = None
    upload_jobs: tuple[UploadJob, ...] = ()  # become photo_uploads in draw_pictures
    picture: Picture | None = None  # drawn into photo_bytes by draw_pictures before sending
    keyboard: InlineKeyboardMarkup | None = None
    # Set: edit this earlier message of the chat (a card of a case) instead of sending.
    edit_message_id: int | None = None
    # How: "text", "caption" (a photo's), "markup" (buttons only), "" (find out by trying).
    edit_form: str = ""


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


async def draw_pictures(rendered: Rendered) -> Rendered:
    """The notice with its uploads read and its picture drawn (in a thread): call it with no
    session open."""
    if not rendered.upload_jobs and rendered.picture is None:
        return rendered
    return await asyncio.to_thread(_draw, rendered)


def _draw(rendered: Rendered) -> Rendered:
    uploads = [*rendered.photo_uploads]
    for job in rendered.upload_jobs:
        data = job.load()
        if data is not None:
            uploads.append(Upload(job.photo_id, data))
    file_ids, data = rendered.photo_file_ids, rendered.photo_bytes
    if rendered.picture is not None:
        data = rendered.picture.draw()
        if data is None:
            file_ids += rendered.picture.fallback
    return replace(rendered, photo_file_ids=file_ids, photo_uploads=tuple(uploads),
                   upload_jobs=(), photo_bytes=data, picture=None)


def notice_translator(member: Member | None, settings: Settings) -> Translator:
    """The recipient's language; a notice to a group (no member) uses the default one."""
    return translator(member.language if member else settings.locale.default)


async def keep_upload_ids(
    sessions: SessionFactory, rendered: Rendered, sent: list[Message]
) -> None:
    """After a notice went out whole: the ids of its uploaded display copies, for next time.

    The photos went out in order (file ids, uploads, photo_bytes); a notice resumed after a
    retry has not seen every message, and then nothing is kept."""
    if not rendered.photo_uploads:
        return
    pictures = [m.photo[-1].file_id for m in sent if m.photo]
    first = len(rendered.photo_file_ids)
    expected = first + len(rendered.photo_uploads) + (rendered.photo_bytes is not None)
    if len(pictures) != expected:
        return
    ids = {u.photo_id: pictures[first + i] for i, u in enumerate(rendered.photo_uploads)}
    async with sessions() as session:
        await remember_sent_ids(session, ids)
        await session.commit()
