"""The WeCom (企业微信) channel, being built (issue 15): the callback that takes a self-built
app's messages and events into the inbox (`callback`), with the envelope opened safely
(`envelope`). Not yet: reading them as an `Inbound`, answering through WeCom's API, its
outbox transport, and running beside Telegram in `gridpatrol run`."""

from bot.wecom.callback import Received, callback_app, channel_of
from bot.wecom.envelope import MAX_BODY, Envelope, Message, Refused, delivery_key, parse_xml

__all__ = [
    "MAX_BODY",
    "Envelope",
    "Message",
    "Received",
    "Refused",
    "callback_app",
    "channel_of",
    "delivery_key",
    "parse_xml",
]
