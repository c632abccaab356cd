"""The daily digest and the fortnightly summary: figures per cell rolled up the grid (`rounds`),
written in each member's language (`render`), queued (`queue`), and a bound group's copy
(`groups`)."""

from services.digests.queue import queue_digests
from services.digests.render import digest_text
from services.digests.rounds import Digest, digest_for, digest_round, split_message, summaries_due

__all__ = [
    "Digest",
    "digest_for",
    "digest_round",
    "digest_text",
    "queue_digests",
    "split_message",
    "summaries_due",
]
