"""What a running bot process has beneath its application, whatever the channel: the lease
(who runs the schedule, who is alive), the inbox every update is written to first, /healthz,
logging with case numbers, and one-shot database work for commands. Below the outbox and the
app."""

from bot.runtime.health import HealthServer, health
from bot.runtime.inbox import InboxStore, InboxUnavailable
from bot.runtime.lease import (
    LEASE_KEY,
    Lease,
    holds_lease,
    instance_key,
    lease_of,
    settle_dead_claims,
)
from bot.runtime.logs import (
    CaseFilter,
    JsonFormatter,
    TextFormatter,
    bind_case,
    case_logged,
    setup_logging,
)
from bot.runtime.sessions import with_sessions

__all__ = [
    "LEASE_KEY",
    "CaseFilter",
    "HealthServer",
    "InboxStore",
    "InboxUnavailable",
    "JsonFormatter",
    "Lease",
    "TextFormatter",
    "bind_case",
    "case_logged",
    "health",
    "holds_lease",
    "instance_key",
    "lease_of",
    "settle_dead_claims",
    "setup_logging",
    "with_sessions",
]
