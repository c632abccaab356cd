"""What one process counts for Prometheus (GET /metrics on the health port, bot.runtime.health):
updates handled and how long each took to answer, by channel and step; the flood waits met;
how long the deadline sweep and the digests took. The outbox by state and who holds the
scheduler's lease are read when scraped. One registry per process, made by whoever builds the
Deps, so nothing registers itself on import and two bots in one test do not share counts."""

from __future__ import annotations

import re

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

MAX_STEPS = 64  # distinct step labels kept; a forged button or command cannot add more
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0, 2.0, 5.0, 10.0)
_WORD = re.compile(r"^[a-z_]{1,16}$")
OTHER = "other"


def press_step(data: str) -> str:
    """A button's step from its data, ids left out: 'r|f449c9|c|garbage' -> 'press:r:c',
    'c:12:accept:3' -> 'press:c:accept'."""
    parts = re.split(r"[:|]", data)
    kinds = [p for p in parts[1:] if _WORD.match(p)]
    head = parts[0] if _WORD.match(parts[0]) else OTHER
    return f"press:{head}:{kinds[0]}" if kinds else f"press:{head}"


def message_step(kind: str, text: str = "") -> str:
    """A message's step: 'command:/report' for a command, else its kind ('text', 'photo')."""
    if text.startswith("/"):
        command = text.split()[0].split("@")[0].lower()
        return f"command:{command}" if _WORD.match(command[1:]) else f"command:{OTHER}"
    return kind


class Metrics:
    """The process's instruments."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.updates = Counter("gridpatrol_updates_handled", "Updates (messages, presses) "
                               "handled, by channel", ["channel"], registry=r)
        self.failures = Counter("gridpatrol_update_failures", "Updates whose handling failed "
                                "(the person was told sorry), by channel", ["channel"],
                                registry=r)
        self.reply_seconds = Histogram(
            "gridpatrol_reply_seconds", "From an update taken in to its answer given, by "
            "channel and step", ["channel", "step"], buckets=LATENCY_BUCKETS, registry=r)
        self.flood_waits = Counter("gridpatrol_flood_waits", "Flood waits the platform "
                                   "imposed (Telegram 429, WeCom over a limit)", ["channel"],
                                   registry=r)
        self.sweep_seconds = Histogram("gridpatrol_sweep_seconds", "One deadline sweep",
                                       buckets=(0.1, 0.5, 1, 5, 15, 60, 300), registry=r)
        self.digest_seconds = Histogram("gridpatrol_digest_seconds", "One round of digests",
                                        buckets=(0.1, 0.5, 1, 5, 15, 60, 300), registry=r)
        self.outbox = Gauge("gridpatrol_outbox_notices", "Notices in the outbox by state, "
                            "read when scraped", ["state"], registry=r)
        self.scheduler = Gauge("gridpatrol_scheduler_lease_held", "1 while this process "
                               "holds the lease that runs the schedule", registry=r)
        self._steps: set[str] = set()

    def step(self, label: str) -> str:
        """`label`, or 'other' once MAX_STEPS distinct ones were seen."""
        if label in self._steps:
            return label
        if len(self._steps) >= MAX_STEPS:
            return OTHER
        self._steps.add(label)
        return label

    def handled(self, channel: str, step: str, seconds: float) -> None:
        self.updates.labels(channel).inc()
        self.reply_seconds.labels(channel, self.step(step)).observe(seconds)

    def exposition(self) -> bytes:
        """The text format Prometheus scrapes."""
        return generate_latest(self.registry)
