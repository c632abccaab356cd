"""The WeCom (企业微信) channel, being built (issue 15): the callback that takes a self-built
app's messages and events into the inbox (`callback`), with the envelope opened safely
(`envelope`); a message as an `Inbound` (`inbound`); the server API (`api`, within WeCom's
`limits`); an `Answer` as WeCom's calls (`answer`); the channel that ties them (`channel`); a
cell group's robot (`robot`). Not yet: the outbox's WeCom transport, and running beside
Telegram in `gridpatrol run`."""

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
