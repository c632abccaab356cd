"""WeCom as the bot meets it, for tests and the sandbox (being built, issue 15): the callback's
side (`callbacks`: a member's messages and events encrypted, signed and posted as WeCom does,
sent again when the answer is late) and the server API (`api`: tokens, messages, cards and
media, held to WeCom's rules)."""

from sandbox.wecom.api import Delivered, WeComServer, WeComState
from sandbox.wecom.callbacks import (
    App,
    Posted,
    WeComSender,
    card_event,
    envelope,
    image,
    location,
    message_xml,
    text,
)

__all__ = [
    "App",
    "Delivered",
    "Posted",
    "WeComSender",
    "WeComServer",
    "WeComState",
    "card_event",
    "envelope",
    "image",
    "location",
    "message_xml",
    "text",
]
