"""A WeCom message or event read as an `Inbound`, the conversations' one input: a text (a
menu click is its key, so a menu item can be "/report"), a picture by its MediaId (fetched
through the media API), a location moved from GCJ-02 onto the grid's WGS-84, a card button
by its key. `Location_X` is the latitude, whatever its name suggests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.wecom.envelope import Message
from handlers.chat import Inbound, Picture, Pressed, Who
from services.grid import Datum, to_wgs84

CHANNEL = "wecom"
Fetch = Callable[[str], Awaitable[bytes]]
OTHER = {"voice": "voice", "video": "video", "file": "document", "link": "link"}


def who_of(message: Message, language: str) -> Who:
    """A member of the app: their UserID is both who and where (WeCom's app chat is private);
    a message tells no name, so a member's name is the one they were given (or the UserID)."""
    user = str(message["FromUserName"])
    return Who(channel=CHANNEL, user_id=user, chat_id=user, private=True, name="",
               language_code=language)


def inbound_of(message: Message, fetch: Fetch, datum: Datum,
               language: str = "zh_CN") -> Inbound | None:
    """The Inbound for `message`, or None for what asks nothing of the bot (entering the app,
    a location report it did not ask for)."""
    who = who_of(message, language)
    kind = str(message.get("MsgType", ""))
    if kind == "text":
        return Inbound(who, text=str(message.get("Content", "")))
    if kind == "image":
        media = str(message.get("MediaId", ""))
        return Inbound(who, picture=Picture(ref=media, unique=media), fetch=fetch)
    if kind == "location":
        try:
            lat, lon = float(message["Location_X"]), float(message["Location_Y"])
        except (KeyError, ValueError):
            return Inbound(who, other="location")
        return Inbound(who, location=to_wgs84(lat, lon, datum))
    if kind == "event":
        return _event(who, message)
    return Inbound(who, other=OTHER.get(kind, kind or "unknown"))


def _event(who: Who, message: Message) -> Inbound | None:
    event = str(message.get("Event", "")).lower()
    key = str(message.get("EventKey", ""))
    if event == "template_card_event" and key:
        task = str(message.get("TaskId", ""))
        inbound = Inbound(who, press=key, pressed=Pressed(message_id=task))
        inbound.memo["response_code"] = str(message.get("ResponseCode", ""))
        return inbound
    if event == "click" and key:
        return Inbound(who, text=key)
    if event == "subscribe":
        return Inbound(who, text="/start")  # added to the app's members: greeted
    return None
