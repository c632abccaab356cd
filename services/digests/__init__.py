"""The daily digest and the fortnightly summary: figures per cell rolled up the grid (`rounds`),
written in each member's language (`render`), queued (`text`), and a bound group's copy
(`groups`)."""

from services.digests.render import digest_text
from services.digests.rounds import Digest, digest_for, digest_round, split_message, summaries_due
from services.digests.text import queue_digests

__all__ = [
    "Digest",
    "digest_for",
    "digest_round",
    "digest_text",
    "queue_digests",
    "split_message",
    "summaries_due",
]
