"""The daily digest and the fortnightly summary: figures per cell rolled up the grid (`rounds`),
the summary due every 15 days (`summary`), written in each member's language (`render`) and cut
into messages (`split`), queued (`queue`), and a bound group's copy (`groups`)."""

from services.digests.queue import queue_digests
from services.digests.render import digest_text
from services.digests.rounds import Digest, digest_for, digest_round
from services.digests.split import split_message
from services.digests.summary import summaries_due

__all__ = [
    "Digest",
    "digest_for",
    "digest_round",
    "digest_text",
    "queue_digests",
    "split_message",
    "summaries_due",
]
