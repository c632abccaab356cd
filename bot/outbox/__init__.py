"""The outbox sender, below the program: it renders each due notice with the renderers the
wiring gives it, sends the Card through the Telegram transport, paced per chat and in all,
records every outcome, redirects what a member cannot get, and settles uncertain sends by
their kind's rule. It imports no handler."""

from bot.outbox.calls import backoff, retry_seconds
from bot.outbox.recover import recover_interrupted, recover_stale, settle_uncertain
from bot.outbox.sender import RENDERERS_KEY, Sender, close_sender, drain_once, sender_for

__all__ = [
    "RENDERERS_KEY",
    "Sender",
    "backoff",
    "close_sender",
    "drain_once",
    "recover_interrupted",
    "recover_stale",
    "retry_seconds",
    "sender_for",
    "settle_uncertain",
]
