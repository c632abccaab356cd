"""Updates as they came from the platform, stored before they are acknowledged to it.

A row is written before the platform is told the update arrived (the next getUpdates offset,
the webhook's 200) and marked done once handled, so a process that dies in between leaves a
row another process (or its own restart) takes over: nobody's press goes unanswered.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, utcnow


class InboxState(StrEnum):
    PENDING = "pending"  # stored (and so acknowledged), not yet handled
    DONE = "done"  # handled (an exception in a handler counts: the person was answered)


class Inbox(Base):
    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("channel", "update_id"),  # a platform's re-delivery is the same row
        Index("ix_inbox_state_handled_at", "state", "handled_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(64))  # "telegram:<bot id>"
    update_id: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column()  # the update's JSON
    state: Mapped[str] = mapped_column(String(16), default=InboxState.PENDING)
    # The instance key (bot.runtime.lease) of the process handling it: a dead one's rows are
    # taken over.
    claimed_by: Mapped[int | None] = mapped_column(BigInteger)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    handled_at: Mapped[datetime | None]


class PaceMark(Base):
    """A message sent to one member on a channel that takes only so many a minute from one
    sender (WeCom: 30, past which it answers ok and drops them): every process of the bot reads
    the marks of the last minute before it sends, so a restarted or a second process keeps the
    pace the first one began. Marks older than a minute are deleted as new ones are made."""

    __tablename__ = "pace_mark"
    __table_args__ = (Index("ix_pace_mark_channel_user_sent_at", "channel", "user_id",
                            "sent_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(64))  # "wecom:<corp id>:<agent id>"
    user_id: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime] = mapped_column()
