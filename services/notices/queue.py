"""Queue notices in the outbox, inside the caller's transaction (never sent from here)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Member, Outbox


async def queue_notice(
    session: AsyncSession,
    *,
    kind: str,
    recipient: Member | None = None,
    chat_id: str | None = None,
    case_id: int | None = None,
    payload: dict[str, Any] | None = None,
    dedupe_key: str | None = None,
) -> Outbox:
    """Add one notice to the outbox; `kind` names the renderer that turns it into a message.

    Payloads carry ids, not rendered text: the sender renders in the recipient's language at
    send time. A `dedupe_key` makes a second notice with the same key a no-op.
    """
    if recipient is None and chat_id is None:
        raise ValueError("a notice needs a recipient or a chat")
    if dedupe_key is not None:
        existing = await session.scalar(select(Outbox).where(Outbox.dedupe_key == dedupe_key))
        if existing is not None:
            return existing
    notice = Outbox(
        kind=kind,
        platform=recipient.platform if recipient else "telegram",
        chat_id=chat_id if chat_id is not None else recipient.chat_id,  # type: ignore[union-attr]
        recipient_id=recipient.id if recipient else None,
        case_id=case_id,
        payload=payload or {},
        dedupe_key=dedupe_key,
    )
    session.add(notice)
    await session.flush()
    return notice
