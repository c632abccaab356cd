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
from functools import partial
from typing import Any

from bot.wecom.api import WeComApi, WeComError, once_more
from bot.wecom.limits import CARD_BUTTONS, split_bytes, utf8_len, within_width
from handlers.chat import Answer, Inbound, Later, Reply
from handlers.words import escape
from services.i18n import N_, Translator, translator
from services.notices.card import Button

log = logging.getLogger(__name__)

_TAG = re.compile(r"<(?!/?a[\s>])[^>]*>", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[^>]*>")
TITLE_CHARS = 36  # what a card's main title shows
SUBTITLE_CHARS = 160  # what its sub title shows
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
        "main_title": {"title": first[:TITLE_CHARS]},
        "button_list": [{"text": within_width(b.label), "key": b.data, "style": 1}
                        for b in buttons],
    }
    if rest.strip():
        card["sub_title_text"] = _lines_within(rest.strip(), SUBTITLE_CHARS)
    return card


def _lines_within(text: str, limit: int) -> str:
    """Whole lines up to `limit` characters, an ellipsis where some were left out (one line
    longer than that is cut)."""
    if len(text) <= limit:
        return text
    kept: list[str] = []
    for line in text.split("\n"):
        if sum(len(k) + 1 for k in kept) + len(line) > limit - 1:
            break
        kept.append(line)
    return ("\n".join(kept) if kept else text[:limit - 1]) + "…"


def fits_a_card(text: str) -> bool:
    first, _, rest = html.unescape(_ANY_TAG.sub("", text)).strip().partition("\n")
    return len(first) <= TITLE_CHARS and len(rest.strip()) <= SUBTITLE_CHARS


Planned = tuple[str, dict[str, Any]]  # (msgtype, payload) of one WeCom message


def planned(text: str, buttons: tuple[Button, ...], t: Translator) -> list[Planned]:
    """The messages that carry `text` (HTML) and `buttons`: one card when the words fit on it,
    else the words within WeCom's bytes; then cards of six for the buttons left. Replies and
    notices (bot.wecom.transport) are both sent this way."""
    out: list[Planned] = []
    words = plain(text)
    if buttons and fits_a_card(text):
        out.append(("template_card", card_of(text, buttons[:CARD_BUTTONS])))
        buttons, words = buttons[CARD_BUTTONS:], ""
    elif words:
        out += [("text", {"content": piece}) for piece in split_bytes(words)]
    title = t(CHOOSE)  # the words went above, whole: a card would only cut them again
    for start in range(0, len(buttons), CARD_BUTTONS):
        out.append(("template_card", card_of(title, buttons[start:start + CARD_BUTTONS])))
    return out


async def send_planned(api: WeComApi, user: str, message: Planned) -> str:
    """One planned message; its msgid. A card gets its task_id now, never reused on a retry."""
    kind, payload = message
    if kind == "template_card":
        payload = {**payload, "task_id": _task_id()}
    answer = await api.send(user, kind, payload)
    return str(answer.get("msgid", ""))


async def tell(api: WeComApi, user: str, content: str) -> None:
    """A text in as many messages as its bytes need, each made once more if surely not taken."""
    for piece in split_bytes(content):
        await once_more(partial(api.send, user, "text", {"content": piece}))


class Giver:
    """Gives answers to members of one app."""

    def __init__(self, api: WeComApi) -> None:
        self.api = api
        self.later: dict[str, asyncio.Task[None]] = {}

    async def give(self, inbound: Inbound, answer: Answer, t: Translator | None = None) -> None:
        """`t`: the member's language, for what WeCom needs said that Telegram shows (how to
        share a place where Telegram has a key for it)."""
        user = inbound.who.user_id
        t = t or translator("zh_CN")
        if inbound.press is not None:
            await self._pressed(inbound, answer, t)
        for reply in [*answer.replies, *answer.direct]:
            await self.send(user, reply, t)
        if answer.later is not None:
            self._schedule(user, answer.later, t)
        if answer.then is not None:
            await answer.then()

    async def _pressed(self, inbound: Inbound, answer: Answer, t: Translator) -> None:
        """The pressed card shows the case as it is now: the new card in its place (its words
        also sent whole when the card cannot hold them), or its buttons greyed. A used or
        expired response code leaves the card; the new state then comes as a message."""
        code = str(inbound.memo.get("response_code", ""))
        edit = answer.edit
        send_edit = edit is not None
        if code and (edit is not None or answer.strip_buttons):
            body: dict[str, Any] = {"userids": [inbound.who.user_id],
                                    "agentid": self.api.settings.agent_id,
                                    "response_code": code}
            buttons = _flat(edit) if edit is not None else ()
            if edit is not None and buttons:
                body["template_card"] = card_of(edit.text, buttons[:CARD_BUTTONS])
            else:
                body["button"] = {"replace_name": "✓"}
            try:
                await self.api.call("message/update_template_card", json=body)
            except WeComError as error:
                log.info("wecom: the pressed card was not updated: %s", error)
            else:
                if edit is not None and "template_card" in body:
                    send_edit = False
                    if not fits_a_card(edit.text) or len(buttons) > CARD_BUTTONS:
                        await self.send(inbound.who.user_id,
                                        Reply(edit.text, buttons=_rows(buttons[CARD_BUTTONS:])),
                                        t)
        if send_edit and edit is not None:
            await self.send(inbound.who.user_id, edit, t)
        if answer.toast:
            await tell(self.api, inbound.who.user_id, plain(answer.toast))

    async def send(self, user: str, reply: Reply, t: Translator) -> None:
        """One reply: its file, then its words and buttons (`planned`)."""
        text = reply.text
        if reply.keyboard is not None and any(k.location for row in reply.keyboard.rows
                                              for k in row):
            text += "\n" + escape(t(SHARE_PLACE))
        sent: list[str] = []
        if reply.file is not None:
            kind = "image" if reply.file.image else "file"
            mime = "image/png" if reply.file.image else "application/octet-stream"
            file = reply.file
            media = await once_more(lambda: self.api.upload(kind, file.name, file.data, mime))
            sent.append(await once_more(
                partial(send_planned, self.api, user, (kind, {"media_id": media}))))
        for message in planned(text, _flat(reply), t):
            sent.append(await once_more(partial(send_planned, self.api, user, message)))
        if reply.sent is not None and sent:
            await reply.sent(sent[-1])

    def _schedule(self, user: str, later: Later, t: Translator) -> None:
        earlier = self.later.pop(later.key, None)
        if earlier is not None:
            earlier.cancel()

        async def run() -> None:
            await asyncio.sleep(later.delay)
            self.later.pop(later.key, None)
            for reply in await later.make():
                await self.send(user, reply, t)

        self.later[later.key] = asyncio.get_running_loop().create_task(run())


def _rows(buttons: tuple[Button, ...]) -> tuple[tuple[Button, ...], ...]:
    return tuple((b,) for b in buttons)


def _flat(reply: Reply) -> tuple[Button, ...]:
    return tuple(b for row in reply.buttons for b in row if utf8_len(b.data) <= 1024)
