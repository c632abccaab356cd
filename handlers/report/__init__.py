"""The report conversation, one thumb and under a minute: the turn that reads the reporter's
draft (`turn`), what each step shows (`views`), the answers it takes (`inputs`, `photos`) and
the handler that claims a reporter's updates (`conversation`)."""

from handlers.report.conversation import CACHE_KEY, COMMANDS, register, start

__all__ = ["CACHE_KEY", "COMMANDS", "register", "start"]
