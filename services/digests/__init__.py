"""TODO docstring."""

from services.digests.rounds import Digest, digest_for, digest_round, split_message, summaries_due
from services.digests.text import digest_text, queue_digests

__all__ = [
    "Digest",
    "digest_for",
    "digest_round",
    "digest_text",
    "queue_digests",
    "split_message",
    "summaries_due",
]
