"""A way into a conversation from a private chat, on any channel: a command, or a press whose
data begins with a prefix. Each module lists its own (`ROUTES`); Telegram registers them as
handlers (bot/telegram/routes.py) and a channel without a dispatcher of its own runs them in
order (handlers.dispatch)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from handlers.chat import Answer, Inbound
from handlers.deps import Deps

Run = Callable[[Inbound, Deps], Awaitable[Answer | None]]


@dataclass(frozen=True)
class Route:
    """`command` without its slash; `anywhere`: a command groups may use too."""

    run: Run
    command: str = ""
    prefix: str = ""
    anywhere: bool = False

    def __post_init__(self) -> None:
        if bool(self.command) == bool(self.prefix):
            raise ValueError("a route is a command or a press prefix")

    def takes(self, inbound: Inbound) -> bool:
        if self.command:
            return inbound.command == "/" + self.command and (
                self.anywhere or inbound.who.private)
        return inbound.press is not None and inbound.press.startswith(self.prefix)
