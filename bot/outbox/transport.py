"""What the sender needs of a chat channel: a notice's Card turned into that channel's calls
(`Transport.sending`), what is kept of what went out, and the channel's failures told in the
sender's terms (the exceptions below), so the sender decides retries, redirects and
uncertainty the same way for every channel."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from models.db import SessionFactory
from services.notices.card import Card

Step = Callable[[], Awaitable[list[int]]]  # one paced call; the ids of the messages it sent


class Sending(Protocol):
    """One notice on its way: its calls in order, then what the outbox keeps of them."""

    steps: list[Step]

    def record(self) -> dict[str, Any]:
        """For the row's result once every step went out: the message that carries the words
        and buttons and its form (so a later edit fits it), and what it shows."""
        ...

    async def after(self, sessions: SessionFactory) -> None:
        """Once the whole notice went out: what the channel gave back that saves work next
        time (the ids of uploaded photos)."""
        ...


class Transport(Protocol):
    def sending(self, chat_id: str, card: Card) -> Sending: ...


class SendFailed(Exception):
    """A call failed and did not go out: try again after a backoff, or give up."""


class FloodWait(SendFailed):
    """The channel asks the whole bot to wait."""

    def __init__(self, seconds: float, message: str) -> None:
        super().__init__(message)
        self.seconds = seconds


class ChatMoved(SendFailed):
    """The chat has a new id (a group became a supergroup): follow it and send there."""

    def __init__(self, new_chat_id: str, message: str) -> None:
        super().__init__(message)
        self.new_chat_id = new_chat_id


class Unreachable(SendFailed):
    """The recipient cannot be reached: they blocked the bot, or the chat is gone (`why`)."""

    def __init__(self, why: str, message: str) -> None:
        super().__init__(message)
        self.why = why


class Rejected(SendFailed):
    """The channel refused what was sent (a bug in the notice's renderer): no retry helps."""


class Lost(SendFailed):
    """The call went out and its answer was lost (a timeout, a dropped connection): it may
    have been delivered."""

    def __init__(self, message: str, *, timed_out: bool) -> None:
        super().__init__(message)
        self.timed_out = timed_out
