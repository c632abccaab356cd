"""An Answer given on WeCom: text as text messages within WeCom's bytes (its HTML reduced to
what WeCom shows: line breaks and links), buttons as a template card of the button_interaction
kind whose keys are the buttons' data, files uploaded as media, a press's toast as a message
(WeCom has none), the pressed card updated once with its response code. Keyboards have no
WeCom form: where one asked for the place, the text says how to share it."""

from __future__ import annotations

import asyncio
import html
import logging
import re
import secrets
from typing import Any

from bot.wecom.api import WeComApi, WeComError
from bot.wecom.limits import CARD_BUTTONS, utf8_len
from handlers.chat import Answer, Inbound, Later, Reply
from services.i18n import N_, Translator, translator
from services.notices.card import Button

log = logging.getLogger(__name__)

_TAG = re.compile(r"<(?!/?a[\s>])[^>]*>", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[^>]*>")
TITLE_CHARS = 36  # what a card's main title shows
SUBTITLE_CHARS = 160  # what its sub title shows
BUTTON_CHARS = 10
SHARE_PLACE = N_("In WeCom: tap ＋ beside the text field and choose Location.")
CHOOSE = N_("Choose one:")  # the title of a card that holds only more buttons


def plain(text: str) -> str:
    """Telegram-style HTML as WeCom text: tags gone but links, entities read."""
    return html.unescape(_TAG.sub("", text)).strip()


def _task_id() -> str:
    return "gp-" + secrets.token_hex(12)  # unique within the app, as WeCom requires


def card_of(text: str, buttons: tuple[Button, ...]) -> dict[str, Any]:
    """A button_interaction card: the first line as its title, the rest (if short) below it."""
    words = html.unescape(_ANY_TAG.sub("", text)).strip() or "…"  # a card shows no links
    first, _, rest = words.partition("\n")
    card: dict[str, Any] = {
        "card_type": "button_interaction",
        "task_id": _task_id(),
        "main_title": {"title": first[:TITLE_CHARS]},
        "button_list": [{"text": b.label[:BUTTON_CHARS], "key": b.data, "style": 1}
                        for b in buttons],
    }
    if rest.strip():
        card["sub_title_text"] = rest.strip()[:SUBTITLE_CHARS]
    return card


def fits_a_card(text: str) -> bool:
    first, _, rest = html.unescape(_ANY_TAG.sub("", text)).strip().partition("\n")
    return len(first) <= TITLE_CHARS and len(rest.strip()) <= SUBTITLE_CHARS


class Giver:
    """Gives answers to members of one app."""

    def __init__(self, api: WeComApi) -> None:
        self.api = api
        self.later: dict[str, asyncio.Task[None]] = {}
        self.t: Translator = translator("zh_CN")

    async def give(self, inbound: Inbound, answer: Answer, t: Translator | None = None) -> None:
        """`t`: the member's language, for what WeCom needs said that Telegram shows (how to
        share a place where Telegram has a key for it)."""
        user = inbound.who.user_id
        self.t = t or translator("zh_CN")
        if inbound.press is not None:
            await self._pressed(inbound, answer)
        for reply in [*answer.replies, *answer.direct]:
            await self.send(user, reply)
        if answer.later is not None:
            self._schedule(user, answer.later)
        if answer.then is not None:
            await answer.then()

    async def _pressed(self, inbound: Inbound, answer: Answer) -> None:
        code = str(inbound.memo.get("response_code", ""))
        if code and (answer.edit is not None or answer.strip_buttons):
            body: dict[str, Any] = {"userids": [inbound.who.user_id],
                                    "agentid": self.api.settings.agent_id,
                                    "response_code": code}
            edit = answer.edit
            if edit is not None and edit.buttons and fits_a_card(edit.text):
                body["template_card"] = card_of(edit.text, _flat(edit)[:CARD_BUTTONS])
            else:
                body["button"] = {"replace_name": "✓"}
            try:
                await self.api.call("message/update_template_card", json=body)
            except WeComError as error:  # used, expired: the new state comes as a message
                log.info("wecom: the pressed card was not updated: %s", error)
            if edit is not None and "template_card" not in body:
                await self.send(inbound.who.user_id, edit)
        elif answer.edit is not None:
            await self.send(inbound.who.user_id, answer.edit)
        if answer.toast:
            await self.api.send_text(inbound.who.user_id, plain(answer.toast))

    async def send(self, user: str, reply: Reply) -> None:
        """One reply: its file, its words, its buttons as as many cards as they need."""
        text = plain(reply.text)
        if reply.keyboard is not None and any(k.location for row in reply.keyboard.rows
                                              for k in row):
            text += "\n" + self.t(SHARE_PLACE)
        sent: list[str] = []
        if reply.file is not None:
            kind = "image" if reply.file.image else "file"
            mime = "image/png" if reply.file.image else "application/octet-stream"
            media = await self.api.upload(kind, reply.file.name, reply.file.data, mime)
            answer = await self.api.send(user, kind, {"media_id": media})
            sent.append(str(answer.get("msgid", "")))
        buttons = _flat(reply)
        if buttons and fits_a_card(reply.text):
            first = await self.api.send(user, "template_card",
                                        card_of(reply.text, buttons[:CARD_BUTTONS]))
            sent.append(str(first.get("msgid", "")))
            buttons = buttons[CARD_BUTTONS:]
            text = ""
        elif text:
            sent.extend(await self.api.send_text(user, text))
        for start in range(0, len(buttons), CARD_BUTTONS):
            card = await self.api.send(user, "template_card", card_of(
                text.split("\n", 1)[0] if text else self.t(CHOOSE),
                buttons[start:start + CARD_BUTTONS]))
            sent.append(str(card.get("msgid", "")))
        if reply.sent is not None and sent:
            await reply.sent(sent[-1])

    def _schedule(self, user: str, later: Later) -> None:
        earlier = self.later.pop(later.key, None)
        if earlier is not None:
            earlier.cancel()

        async def run() -> None:
            await asyncio.sleep(later.delay)
            self.later.pop(later.key, None)
            for reply in await later.make():
                await self.send(user, reply)

        self.later[later.key] = asyncio.get_running_loop().create_task(run())


def _flat(reply: Reply) -> tuple[Button, ...]:
    return tuple(b for row in reply.buttons for b in row if utf8_len(b.data) <= 1024)
