"""A notice kind whose rendering waits for the test's word (a big picture, a slow disk), in a
module of its own: test modules may be imported twice under two names, this one only once.

Payload: `gate` (a name in GATES), `text`; `photo`: a photo first, then the text as its own
message (two steps); `first_only`: only the first rendering of the notice waits."""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.render import RENDERERS, Rendered, renderer
from models import Member, Outbox
from services.settings import Settings
from tests.support.images import jpeg

KIND = "test_outbox_gated"
GATES: dict[str, asyncio.Event] = {}
RENDERED: Counter[tuple[str, int]] = Counter()  # renderings started, by gate and notice


async def render_gated(
    session: AsyncSession, row: Outbox, member: Member | None, settings: Settings
) -> Rendered | None:
    payload = row.payload
    key = (payload["gate"], row.id)
    RENDERED[key] += 1
    if RENDERED[key] == 1 or not payload.get("first_only"):
        await GATES[payload["gate"]].wait()
    language = member.language if member else "zh_CN"
    text = f"[{language}] {payload['text']}"
    if payload.get("photo"):
        return Rendered(text=text + " " + "·" * 1100, photo_bytes=jpeg())  # too long to caption
    return Rendered(text=text)


if KIND not in RENDERERS:
    renderer(KIND)(render_gated)
