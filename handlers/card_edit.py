"""A card the bot posted, redrawn in the chat at once when it is pressed (as the outbox would
edit it, handlers/notices/refresh.py), and a card sent as a reply kept so later moves edit it
too. Both are told in any chat's terms: the pressed message as the Inbound's `pressed`, the
redraw as an Answer's edit."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.chat import Answer, Inbound, Reply
from handlers.deps import Deps
from handlers.notices.refresh import current_card, reader_view
from models import Member, Outbox
from models.db import SessionFactory
from services.notices.card import Buttons, Card, shown
from services.notices.card_refresh import (
    CAPTION,
    TEXT,
    find_card,
    last_shown,
    note_shown,
    record_reply_card,
)


def _data(buttons: Buttons) -> tuple[str, ...]:
    return tuple(b.data for row in buttons for b in row)


async def redraw(session: AsyncSession, deps: Deps, inbound: Inbound, member: Member,
                 case_id: int, *, as_card: bool = True) -> Answer:
    """The pressed card redrawn at once, as the outbox would redraw it (its waiting edit then
    has nothing left to do): the presser's view in private, a manager's in a group, read in
    the caller's unit of work. A message the bot has no record of is drawn as the case card
    when `as_card`, else loses its buttons. The caller sets the press's toast on the Answer;
    what the message now shows is noted after the answer is given."""
    pressed = inbound.pressed
    if pressed is None:
        return Answer()
    reader = member if inbound.who.private else None
    before: str | None = None
    view: Card | None
    # A channel whose messages have no number the bot records (WeCom's cards) has no card here.
    card = await find_card(session, case_id, inbound.who.chat_id, int(pressed.message_id)) \
        if pressed.message_id.isdigit() else None
    if card is not None:
        view = await reader_view(session, card, reader, deps.settings, deps.renderers)
        before = await last_shown(session, card)
    else:
        view = await current_card(session, case_id, reader, deps.settings) if as_card else None
    answer = Answer()
    # Buttons carry the case version: the same buttons mean the message is current.
    if (view is not None and view.buttons and _data(view.buttons) == pressed.buttons) or (
            view is None and not pressed.buttons) or (
            view is not None and shown(view) == before):
        pass
    elif view is None:
        answer.strip_buttons = True
    else:
        answer.edit = Reply(view.text, view.buttons, preview=False)
    if card is not None:
        card_id, message_id = card.id, pressed.message_id
        now_shown = shown(view) if view is not None else ""

        async def note() -> None:
            async with deps.sessions() as later:
                row = await later.get(Outbox, card_id)
                assert row is not None
                await note_shown(later, row, int(message_id), now_shown, final=view is None)
                await later.commit()

        answer.then = note
    return answer


async def remember_reply(sessions: SessionFactory, member: Member, case_id: int,
                         message_id: str, with_media: bool) -> None:
    """Keep a card sent as a reply, so that later moves of the case edit it too (where the
    channel numbers its messages: WeCom's cards are not edited later yet)."""
    if not message_id.isdigit():
        return
    async with sessions() as session:
        await record_reply_card(session, member, case_id, int(message_id),
                                CAPTION if with_media else TEXT)
        await session.commit()
