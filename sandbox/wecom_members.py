"""The sandbox's WeCom app (`SandboxApp`: its ids, fresh secrets each run, the bot's settings
pointing at the stand-in) and its members in the web chat (`WeComBridge`).

WeCom members in the web chat: each is a chat of the page (so the page needs nothing of its
own), relayed. What the member types, sends or presses there is posted to the bot's WeCom
callback as WeCom would post it (signed and encrypted; a place moved to GCJ-02 as WeCom's map
gives it; a photo as a MediaId); what the bot sends the member through WeCom's API appears in
that chat (a template card as a message with its buttons; a card updated by its response code
changes in place). The Telegram bot never sees these chats."""

from __future__ import annotations

import asyncio
import base64
import html
import logging
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from sandbox.telegram.emulator import BotApiEmulator
from sandbox.telegram.send import document_json, photo_sizes
from sandbox.telegram.spec import Upload
from sandbox.telegram.state import Chat, StoredMessage
from sandbox.wecom.api import Delivered, WeComState
from sandbox.wecom.callbacks import App, WeComSender, card_event, image, location, message_xml
from sandbox.wecom.callbacks import text as text_message
from services.grid import Datum
from services.grid.datum import wgs84_to_gcj02
from services.settings import WeComSettings

log = logging.getLogger("gridpatrol.sandbox")
ROW = 2  # a card's buttons, two to a row in the page
CORP = "ww5a4db0c0ffee0001"
AGENT = 1000002
LINK = re.compile(r'<a\s+href="([^"]*)"\s*>(.*?)</a>', re.DOTALL)


def links(content: str) -> dict[str, object]:
    """A WeCom text's `<a href>` links (the one tag WeCom's text shows) as the page shows a
    Telegram link: the label, with a text_link entity at its UTF-16 offset."""
    text, entities, at = "", [], 0
    for found in LINK.finditer(content):
        text += content[at:found.start()]
        label = html.unescape(found.group(2))
        entities.append({"type": "text_link", "url": html.unescape(found.group(1)),
                         "offset": _utf16(text), "length": _utf16(label)})
        text += label
        at = found.end()
    text += content[at:]
    return {"text": text, "entities": entities} if entities else {"text": text}


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class SandboxApp:
    """One self-built app, known to the stand-in and to the bot alike."""

    token: str = field(default_factory=lambda: secrets.token_hex(8))
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    aes_key: str = field(
        default_factory=lambda: base64.b64encode(secrets.token_bytes(32)).decode()[:43])

    def state(self) -> WeComState:
        return WeComState(corp_id=CORP, secret=self.secret, agent_id=AGENT)

    def app(self) -> App:
        return App(CORP, AGENT, self.token, self.aes_key)

    def settings(self, api_base_url: str) -> WeComSettings:
        """The bot's [wecom] section: the stand-in's API, a callback on a free local port."""
        return WeComSettings(corp_id=CORP, agent_id=AGENT, token=self.token, secret=self.secret,
                             encoding_aes_key=self.aes_key, api_base_url=api_base_url,
                             listen="127.0.0.1", port=0, datum=Datum.GCJ02)


@dataclass
class _Member:
    userid: str
    chat: Chat
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class WeComBridge:
    """Relays the chats of WeCom members between the page and the bot's callback."""

    def __init__(self, emulator: BotApiEmulator, wecom: WeComState, app: App) -> None:
        self.emulator = emulator
        self.wecom = wecom
        self.app = app
        self.sender: WeComSender | None = None  # set once the bot's callback listens
        self.members: dict[str, _Member] = {}  # userid (lower case) -> member
        self.shown: dict[int, int] = {}  # id(Delivered) -> its message in the member's chat
        self.cards: dict[tuple[int, int], Delivered] = {}  # (chat, message id) -> card
        self.tasks: set[asyncio.Task[None]] = set()
        wecom.watchers.append(self.delivered)

    def add_member(self, userid: str, name: str, language_code: str = "zh-hans") -> int:
        """A WeCom member with a chat in the page; the chat's id."""
        user = self.emulator.users.create_user(name, language_code=language_code)
        chat = self.emulator.users.private_chat(int(user["id"]))
        chat.relay = self
        self.members[userid.lower()] = _Member(userid, chat)
        self.wecom.members.add(userid.lower())
        return chat.id

    def connect(self, callback_url: str) -> None:
        self.sender = WeComSender(self.app, callback_url)

    async def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    # ----- from the page to the bot -----
    def _member_of(self, chat: Chat) -> _Member | None:
        return next((m for m in self.members.values() if m.chat is chat), None)

    def posted(self, chat: Chat, stored: StoredMessage) -> None:
        member = self._member_of(chat)
        if member is None:
            return
        plain = self._as_wecom(member.userid, stored.data)
        if plain is not None:
            self._post(member, plain)

    def pressed(self, chat: Chat, stored: StoredMessage, data: str) -> None:
        member = self._member_of(chat)
        card = self.cards.get((chat.id, stored.message_id))
        if member is None or card is None or "replaced" in card.body:
            return  # a greyed card: WeCom sends nothing for it
        self._post(member, card_event(self.app, member.userid, data,
                                      str(card.body.get("task_id", "")),
                                      self.wecom.clicked(card)))

    def _as_wecom(self, userid: str, data: dict[str, Any]) -> str | None:
        if isinstance(data.get("text"), str):
            return text_message(self.app, userid, str(data["text"]))
        if isinstance(data.get("location"), dict):
            place = data["location"]
            lat, lon = wgs84_to_gcj02(float(place["latitude"]), float(place["longitude"]))
            return location(self.app, userid, lat, lon)
        photo = data.get("photo")
        if isinstance(photo, list) and photo:
            return image(self.app, userid, self._media(str(photo[-1]["file_id"]), "image/jpeg"))
        document = data.get("document")
        if isinstance(document, dict):
            media = self._media(str(document["file_id"]), str(document.get("mime_type", "")))
            return message_xml(self.app, userid, "file", {"MediaId": media},
                               msg_id=secrets.randbits(62))
        return None  # stickers, contacts: no WeCom message carries them

    def _media(self, file_id: str, mime: str) -> str:
        stored = self.emulator.state.files[file_id]
        media = "MEDIA-" + secrets.token_hex(12)
        self.wecom.media[media] = (stored.data, mime, stored.file_name or "photo.jpg")
        return media

    def _post(self, member: _Member, plain: str) -> None:
        async def post() -> None:
            async with member.lock:  # WeCom posts a member's messages in the order they came
                if self.sender is None:
                    log.warning("sandbox: the bot's WeCom callback is not listening yet")
                    return
                posted = await self.sender.post(plain)
                if not posted.delivered:
                    log.warning("sandbox: WeCom gave up posting to the bot: %s", posted.tries)

        task = asyncio.get_running_loop().create_task(post())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    # ----- from the bot to the page -----
    def delivered(self, message: Delivered, updated: bool) -> None:
        member = self.members.get(message.user)
        if member is None:
            return
        core = self.emulator.core
        fields = self._fields(message)
        if updated and id(message) in self.shown:
            stored = core.message(member.chat, self.shown[id(message)])
            if stored is not None:
                core.edit(stored, fields, removed=("reply_markup",))
            return
        stored = core.new_message(member.chat, core.bot_sender, fields, from_bot=True)
        self.shown[id(message)] = stored.message_id
        if message.msgtype == "template_card":
            self.cards[(member.chat.id, stored.message_id)] = message

    def _fields(self, message: Delivered) -> dict[str, object]:
        body = message.body
        if message.msgtype in ("text", "markdown"):
            return links(str(body.get("content", "")))
        if message.msgtype in ("image", "file"):
            data, mime, name = self.wecom.media.get(str(body.get("media_id", "")),
                                                    (b"", "", ""))
            if message.msgtype == "image":
                return {"photo": photo_sizes(self.emulator.core, data)}
            return {"document": document_json(self.emulator.core,
                                              Upload(data, name or "file", mime))}
        title = str((body.get("main_title") or {}).get("title", ""))
        words = "\n".join(w for w in (title, str(body.get("sub_title_text", ""))) if w)
        if "replaced" in body:
            return {"text": f"{words}\n［{body['replaced']}］"}
        buttons = [{"text": str(b["text"]), "callback_data": str(b["key"])}
                   for b in body.get("button_list", [])]
        rows = [buttons[i:i + ROW] for i in range(0, len(buttons), ROW)]
        return {"text": words, "reply_markup": {"inline_keyboard": rows}}
