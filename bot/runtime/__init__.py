"""What a running bot process has beneath its application: the lease (who runs the schedule,
who is alive), the inbox (every update stored before it is acknowledged), /healthz, logging
with case numbers, and one-shot database work for commands. Below the outbox and the app."""

from bot.runtime.health import HealthServer, health
from bot.runtime.inbox import (
    InboxApplication,
    InboxQueue,
    InboxStore,
    attach_inbox,
    channel_of,
    recover_inbox,
)
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
    "InboxApplication",
    "InboxQueue",
    "InboxStore",
    "JsonFormatter",
    "Lease",
    "TextFormatter",
    "attach_inbox",
    "bind_case",
    "case_logged",
    "channel_of",
    "health",
    "holds_lease",
    "instance_key",
    "lease_of",
    "recover_inbox",
    "settle_dead_claims",
    "setup_logging",
    "with_sessions",
]
