"""Driving the supervision orders' chat without a channel: a member's Who, a press or a message
through handlers.orders and the conversations, and the notices a member was queued, drawn as
they would see them; and a .docx read back as its text."""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from sqlalchemy import select

from handlers import engine, orders
from handlers.chat import Answer, Inbound, Picture, Who
from handlers.conversations import CONVERSATIONS
from handlers.deps import Deps
from handlers.notices import RENDERERS
from models import GridCell, Member, Outbox, Role
from models.db import SessionFactory
from services.notices.card import Card, render_row
from tests.support.harness import SimUser, TelegramHarness


def who(member: Member) -> Who:
    return Who(member.platform, member.platform_user_id, member.chat_id or "",
               name=member.display_name, language_code=member.language)


async def press(deps: Deps, member: Member, data: str) -> Answer:
    return await orders.on_button(Inbound(who(member), press=data), deps)


async def say(deps: Deps, member: Member, text: str = "", picture: bytes | None = None
              ) -> Answer:
    """A message (or a photo) in the member's private chat, as the conversations take it."""
    async def fetch(ref: str) -> bytes:
        assert picture is not None
        return picture

    inbound = Inbound(who(member), text=text, fetch=fetch, picture=Picture(
        f"ref-{len(picture)}", f"u-{len(picture)}", len(picture)) if picture else None)
    await engine.warm(CONVERSATIONS, deps, inbound.who)
    answer = await engine.converse(CONVERSATIONS, inbound, deps)
    assert answer is not None, f"no conversation took {text!r}"
    return answer


def button(buttons: object, label_part: str) -> str:
    """The data of the button whose label holds `label_part` (an Answer's replies or a Card)."""
    rows = buttons.buttons if isinstance(buttons, Card) else tuple(
        row for reply in buttons.replies for row in reply.buttons)  # type: ignore[attr-defined]
    for row in rows:
        for b in row:
            if label_part in b.label:
                return str(b.data)
    raise AssertionError(f"no button with {label_part!r} in {rows!r}")


async def notices_to(deps: Deps, member: Member, kind: str = "supervision_order") -> list[Card]:
    """Every notice of `kind` queued for the member, drawn now (those that still render)."""
    async with deps.sessions() as session:
        rows = list(await session.scalars(select(Outbox).where(
            Outbox.kind == kind, Outbox.recipient_id == member.id).order_by(Outbox.id)))
        reader = await session.get(Member, member.id)
        cards = [await render_row(RENDERERS, session, row, reader, deps.settings)
                 for row in rows]
    return [card for card in cards if card is not None]


def docx_text(data: bytes) -> tuple[str, int]:
    """All the words of a .docx (paragraphs and table cells) and how many pictures it holds."""
    document = Document(io.BytesIO(data))
    words = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            words += [cell.text for cell in row.cells]
    return "\n".join(words), len(document.inline_shapes)


async def telegram_member(h: TelegramHarness, user: SimUser, role: Role, code: str,
                          language: str = "en") -> int:
    """The user opens the chat with /start, then gets a role in the cell `code` (as an invite
    would give it)."""
    await h.send_text(user, "/start")
    sessions: SessionFactory = h.app.bot_data["deps"].sessions
    async with sessions() as s:
        cell = await s.scalar(select(GridCell).where(GridCell.code == code))
        found = await s.scalar(select(Member).where(Member.platform_user_id == str(user.id)))
        assert cell is not None and found is not None
        found.role, found.cell_id, found.language = role, cell.id, language
        await s.commit()
        return found.id


def message_with(h: TelegramHarness, user: SimUser, needle: str) -> dict[str, Any]:
    """The latest bot message to `user` whose text or caption holds `needle`."""
    for message in reversed(h.messages_to(user)):
        if needle in (message.get("text") or message.get("caption") or ""):
            return message
    raise AssertionError(f"no message with {needle!r} to {user.name}")


def files_to(h: TelegramHarness, user: SimUser) -> list[tuple[str, bytes]]:
    """Every document the bot sent `user`: (file name, bytes as stored by the emulator)."""
    return [(m["document"]["file_name"], h.emulator.state.files[m["document"]["file_id"]].data)
            for m in h.messages_to(user) if m.get("document")]
