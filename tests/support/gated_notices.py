"""Notice kinds of the tests, and the renderer table that adds them to the bot's (the harness's
app and the tests' own apps are built with TEST_RENDERERS; nothing registers itself):

- `Note`: text in the recipient's language, optional photos, an optional document and one
  button; `drop` renders nothing;
- `Gated`: its rendering waits for the test's word (a big picture, a slow disk): `gate` (a name
  in GATES), `text`; `photo`: a photo first, then the text as its own message (two steps);
  `first_only`: only the first rendering of the notice waits."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.notices import DRAWN, with_edits
from models import Member, Outbox
from services.notices.card import Button, Card, Document, in_thread
from services.notices.kinds import Notice
from services.settings import Settings
from tests.support.images import jpeg

GATES: dict[str, asyncio.Event] = {}
RENDERED: Counter[tuple[str, int]] = Counter()  # renderings started, by gate and notice


@dataclass(frozen=True)
class Note(Notice):
    KIND = "test_outbox_note"
    text: str = ""
    drop: bool = False
    file_ids: tuple[str, ...] = ()
    with_bytes: bool = False
    document: str = ""  # a file of that name, holding the note's text


@dataclass(frozen=True)
class Gated(Notice):
    KIND = "test_outbox_gated"
    gate: str = ""
    text: str = ""
    photo: bool = False
    first_only: bool = False


KIND = Gated.KIND


async def render_note(
    session: AsyncSession, notice: Note, row: Outbox, member: Member | None, settings: Settings
) -> Card | None:
    """Text in the recipient's language, optional photos and one button."""
    if notice.drop:
        return None
    language = member.language if member else "zh_CN"
    return Card(
        text=f"[{language}] {notice.text}",
        photo_file_ids=notice.file_ids,
        photo_bytes=jpeg() if notice.with_bytes else None,
        buttons=((Button("OK", "x:1"),),),
        document=Document(notice.document, in_thread(notice.text.encode))
        if notice.document else None,
    )


async def render_gated(
    session: AsyncSession, notice: Gated, row: Outbox, member: Member | None, settings: Settings
) -> Card | None:
    key = (notice.gate, row.id)
    RENDERED[key] += 1
    if RENDERED[key] == 1 or not notice.first_only:
        await GATES[notice.gate].wait()
    language = member.language if member else "zh_CN"
    text = f"[{language}] {notice.text}"
    if notice.photo:
        return Card(text=text + " " + "·" * 1100, photo_bytes=jpeg())  # too long to caption
    return Card(text=text)


TEST_RENDERERS = with_edits({**DRAWN, Note: render_note, Gated: render_gated})
