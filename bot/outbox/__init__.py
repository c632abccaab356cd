"""The outbox sender, below the program: it renders each due notice with the renderers the
wiring gives it, sends the Card through the channel's transport (bot.outbox.transport), paced
per chat and in all, records every outcome, redirects what a member cannot get, and settles
uncertain sends by their kind's rule. It imports no handler and no chat library."""

from bot.outbox.calls import backoff
from bot.outbox.recover import recover_interrupted, recover_stale, settle_uncertain
from bot.outbox.sender import Sender
from bot.outbox.transport import (
    ChatMoved,
    FloodWait,
    Lost,
    Rejected,
    SendFailed,
    Sending,
    Transport,
    Unreachable,
)

__all__ = [
    "ChatMoved",
    "FloodWait",
    "Lost",
    "Rejected",
    "SendFailed",
    "Sender",
    "Sending",
    "Transport",
    "Unreachable",
    "backoff",
    "recover_interrupted",
    "recover_stale",
    "settle_uncertain",
]
