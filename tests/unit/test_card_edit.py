"""The edit of a posted card uses the call that fits the message it edits, and a card edited
many times or deleted in its chat is no failure (bot/telegram/transport.py edit_card)."""

from __future__ import annotations

from typing import Any

import pytest
from telegram.error import BadRequest

from bot.telegram.transport import CAPTION_LIMIT, edit_card
from services.notices.card import Button, Card, fit_caption, visible_length

BUTTONS = ((Button("Accept", "c:1:acc:2"),),)


class PhotoChat:
    """A chat whose message 7 is a photo with a caption, as Telegram answers edits of it."""

    def __init__(self, *, answer: str | None = None, kind: str = "photo") -> None:
        self.calls: list[str] = []
        self.answer, self.kind = answer, kind
        self.caption: str | None = None

    def _call(self, method: str) -> None:
        self.calls.append(method)
        if self.answer:
            raise BadRequest(self.answer)

    async def edit_message_text(self, text: str, chat_id: Any, message_id: int,
                                **_: Any) -> None:
        if self.kind == "photo":
            self.calls.append("edit_message_text")
            raise BadRequest("There is no text in the message to edit")
        self._call("edit_message_text")

    async def edit_message_caption(self, chat_id: Any, message_id: int, *, caption: str,
                                   **_: Any) -> None:
        self._call("edit_message_caption")
        self.caption = caption

    async def edit_message_reply_markup(self, chat_id: Any, message_id: int, **_: Any) -> None:
        self._call("edit_message_reply_markup")


def card(form: str, text: str = "<b>Case HZ-1</b> · accepted") -> Card:
    return Card(text=text, buttons=BUTTONS, edit_message_id=7, edit_form=form)


async def test_a_photo_card_is_edited_by_its_caption_whether_or_not_that_was_recorded() -> None:
    known, unknown = PhotoChat(), PhotoChat()
    assert await edit_card(known, "-100", card("caption")) == [7]  # type: ignore[arg-type]
    assert known.calls == ["edit_message_caption"]
    assert await edit_card(unknown, "-100", card("")) == [7]  # type: ignore[arg-type]
    assert unknown.calls == ["edit_message_text", "edit_message_caption"]


async def test_a_text_card_is_edited_as_text_and_a_card_that_no_longer_applies_loses_buttons(
) -> None:
    text = PhotoChat(kind="text")
    assert await edit_card(text, "5001", card("text")) == [7]  # type: ignore[arg-type]
    assert text.calls == ["edit_message_text"]
    stripped = PhotoChat()
    final = Card(text="", edit_message_id=7, edit_form="markup")
    assert await edit_card(stripped, "5001", final) == []  # type: ignore[arg-type]
    assert stripped.calls == ["edit_message_reply_markup"]  # and nothing more to do there


async def test_not_modified_is_done_and_a_deleted_message_is_final() -> None:
    same = PhotoChat(answer="Message is not modified: specified new message content and "
                            "reply markup are exactly the same")
    assert await edit_card(same, "-100", card("caption")) == [7]  # type: ignore[arg-type]
    gone = PhotoChat(answer="Message to edit not found")
    assert await edit_card(gone, "-100", card("caption")) == []  # type: ignore[arg-type]
    broken = PhotoChat(answer="Can't parse entities: unexpected end tag")
    with pytest.raises(BadRequest):
        await edit_card(broken, "-100", card("caption"))  # type: ignore[arg-type]


async def test_a_card_too_long_for_a_caption_keeps_its_first_lines() -> None:
    lines = ["👤 accepted by 王五", "<b>Case HZ-1</b> · accepted", "Description: " + "水" * 1100,
             "⏰ Deadline to plan: 2026-12-03 10:00"]
    text = "\n".join(lines)
    assert visible_length(text) > 1024
    caption = fit_caption(text, CAPTION_LIMIT)
    assert caption == "\n".join(lines[:2]) + "\n…"
    chat = PhotoChat()
    assert await edit_card(chat, "-100", card("caption", text)) == [7]  # type: ignore[arg-type]
    assert chat.caption == caption and visible_length(chat.caption) <= 1024
