"""Every copy of a case's cards tells the truth: which sent messages are cards of a case, and
one waiting edit per such message after the case moved.

A card is a sent notice of one of `LIVE_KINDS` (its message ids and the form of its last
message are in `Outbox.result`), or a card sent as a direct reply and recorded with
`record_reply_card`. The edit (`REFRESH_KIND`) is drawn at send time by handlers.notices.refresh,
as its reader should see the case then, so one waiting edit per message is enough; what a
message shows (a digest, noted by the sender or by a handler that redrew a pressed card) spares
an edit that would change nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Member, Outbox, OutboxState, utcnow
from services.notices.kinds import (
    CardRefresh,
    CaseCheck,
    CaseDispatched,
    CaseNew,
    CaseReopened,
    CaseSentBack,
    Escalated,
    ExtensionRequested,
    GroupCard,
    GroupCase,
    HandedDown,
    OrderNotice,
    Reminder,
    ReplyCard,
    load_as,
)
from services.notices.queue import Target, queue, record_sent

REFRESH_KIND = CardRefresh.KIND
LEGACY_REFRESH_KIND = GroupCard.KIND  # the group-only edit of earlier versions, still drawn
REFRESH_KINDS = frozenset({REFRESH_KIND, LEGACY_REFRESH_KIND})
REPLY_KIND = ReplyCard.KIND  # a card sent as a reply (a flow's last card, /case), kept as sent

# Messages that show the case itself, with the reader's buttons: redrawn as the case is now.
CARD_KINDS = frozenset(k.KIND for k in (
    CaseNew, CaseDispatched, CaseCheck, CaseSentBack, CaseReopened, GroupCase, ReplyCard))
# Messages of a moment (an escalation, a hand-down, a reminder, an order, a request for more
# time): their words stay, their buttons follow the case (gone when they no longer apply).
MOMENT_KINDS = frozenset(k.KIND for k in (
    Escalated, HandedDown, Reminder, OrderNotice, ExtensionRequested))
LIVE_KINDS = CARD_KINDS | MOMENT_KINDS

# How a posted card's words are edited: its text, the caption of its photo, or (MARKUP) only its
# buttons; "" when not recorded (the edit finds out).
TEXT, CAPTION, MARKUP = "text", "caption", "markup"


@dataclass(frozen=True)
class CardMessage:
    """The message of a card that carries its words and buttons, and how to edit it: its text,
    or the caption of its photo; "" when the sender did not record it (the edit finds out)."""

    message_id: int
    form: str


def card_message(result: dict[str, Any] | None) -> CardMessage | None:
    """Where a sent notice's card is, from what the sender recorded; None if nothing was sent."""
    result = result or {}
    card = result.get("card")
    if isinstance(card, dict) and card.get("message_id"):
        return CardMessage(int(card["message_id"]), str(card.get("form") or ""))
    ids = result.get("message_ids") or []
    return CardMessage(int(ids[-1]), "") if ids else None


def sent_result(message_id: int, form: str) -> dict[str, Any]:
    """What the sender records of a one-message notice, as `card_message` reads it."""
    return {"done": 1, "message_ids": [message_id],
            "card": {"message_id": message_id, "form": form}}


async def record_reply_card(
    session: AsyncSession, member: Member, case_id: int, message_id: int, form: str,
    now: datetime | None = None,
) -> Outbox:
    """A card the bot sent as a reply, kept as a sent notice so later moves edit it too."""
    return await record_sent(session, ReplyCard(case_id), Target(
        member.platform, member.chat_id, member.id), sent_result(message_id, form), now=now)


def card_row(payload: dict[str, Any] | None) -> int:
    """The card (its row) that an edit, a row of REFRESH_KINDS with this payload, is for."""
    return load_as(CardRefresh, payload).card_row


async def queue_card_refresh(session: AsyncSession, case_id: int) -> int:
    """After a case moved: one edit of each of its cards, unless one is waiting already or the
    card is final (its message is gone, or it no longer applies and lost its buttons). A card
    still on the wire is edited after it (a chat's notices go out in order)."""
    edits = await card_refreshes(session, [case_id])
    for notice, to in edits:
        await queue(session, notice, to=to)
    return len(edits)


async def card_refreshes(
    session: AsyncSession, case_ids: list[int]
) -> list[tuple[CardRefresh, Target]]:
    """The edits `queue_card_refresh` would queue for each of these cases, read in one query
    (the sweep queues them with the rest of its batch)."""
    if not case_ids:
        return []
    rows = (await session.execute(
        select(Outbox.id, Outbox.case_id, Outbox.kind, Outbox.chat_id, Outbox.platform,
               Outbox.recipient_id, Outbox.state, Outbox.result, Outbox.payload)
        .where(Outbox.case_id.in_(case_ids), Outbox.kind.in_(sorted(LIVE_KINDS | REFRESH_KINDS)),
               Outbox.state.in_([OutboxState.PENDING, OutboxState.SENDING, OutboxState.SENT]))
        .order_by(Outbox.id)
    )).all()
    waiting: set[int] = set()
    final: set[int] = set()
    for row in rows:
        if row.kind not in REFRESH_KINDS:
            continue
        card = card_row(row.payload)
        if row.state == OutboxState.PENDING:
            waiting.add(card)
        elif row.state == OutboxState.SENT and not (row.result or {}).get("message_ids"):
            final.add(card)
    edits = []
    for row in rows:
        if row.kind in REFRESH_KINDS or row.id in waiting or row.id in final:
            continue
        if row.state == OutboxState.PENDING:
            continue  # drawn when it is sent, as the case is then
        if row.state == OutboxState.SENT and card_message(row.result) is None:
            continue  # dropped when it was due: nothing in the chat
        edits.append((CardRefresh(row.case_id, card_row=row.id),
                      Target(row.platform, row.chat_id, row.recipient_id)))
    return edits


async def _refreshes(
    session: AsyncSession, card: Outbox, states: list[OutboxState]
) -> list[Outbox]:
    """The edits of one card in these states, the latest first."""
    rows = await session.scalars(
        select(Outbox).where(Outbox.case_id == card.case_id, Outbox.chat_id == card.chat_id,
                             Outbox.kind.in_(sorted(REFRESH_KINDS)), Outbox.state.in_(states))
        .order_by(Outbox.id.desc()))
    return [r for r in rows if card_row(r.payload) == card.id]


async def find_card(
    session: AsyncSession, case_id: int, chat_id: str | int, message_id: int
) -> Outbox | None:
    """The sent card of a case that is this message of this chat, if the bot recorded one."""
    rows = await session.scalars(
        select(Outbox).where(Outbox.case_id == case_id, Outbox.chat_id == str(chat_id),
                             Outbox.kind.in_(sorted(LIVE_KINDS)), Outbox.state == OutboxState.SENT)
        .order_by(Outbox.id.desc()))
    for row in rows:
        target = card_message(row.result)
        if target is not None and target.message_id == message_id:
            return row
    return None


async def last_shown(session: AsyncSession, card: Outbox) -> str | None:
    """The digest of what the card's message shows (since its last edit, else as it was
    sent); None if not known."""
    for row in await _refreshes(session, card, [OutboxState.SENT]):
        shown = (row.result or {}).get("shown")
        if shown:
            return str(shown)
    sent = (card.result or {}).get("shown")
    return str(sent) if sent else None


async def note_shown(
    session: AsyncSession, card: Outbox, message_id: int, shown: str, *, final: bool = False
) -> None:
    """A handler redrew the card's message itself: its waiting edit is done (or, if none
    waits, the record says what the message shows; `final`: it lost its buttons for good).
    The caller commits."""
    result = {"done": 1, "message_ids": [] if final else [message_id], "shown": shown}
    waiting = await _refreshes(session, card, [OutboxState.PENDING])
    for row in waiting:
        row.state, row.result, row.sent_at = OutboxState.SENT, result, utcnow()
    if waiting:
        await session.flush()
    else:
        assert card.case_id is not None
        await record_sent(session, CardRefresh(card.case_id, card_row=card.id),
                          Target(card.platform, card.chat_id, card.recipient_id), result,
                          attempts=0)
