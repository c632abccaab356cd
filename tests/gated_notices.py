"""A notice kind whose rendering waits for the test's word (a big picture, a slow disk), in a
module of its own: test modules may be imported twice under two names, this one only once."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.render import RENDERERS, Rendered, renderer
from models import Member, Outbox
from services.settings import Settings

KIND = "test_outbox_gated"
GATES: dict[str, asyncio.Event] = {}


async def render_gated(
    session: AsyncSession, row: Outbox, member: Member | None, settings: Settings
) -> Rendered | None:
    await GATES[row.payload["gate"]].wait()
    language = member.language if member else "zh_CN"
    return Rendered(text=f"[{language}] {row.payload['text']}")


if KIND not in RENDERERS:
    renderer(KIND)(render_gated)
