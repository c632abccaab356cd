"""Notices waiting to be sent, written in the transaction that caused them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, utcnow


class OutboxState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a sender; if it stays here the send is uncertain
    SENT = "sent"
    UNCERTAIN = "uncertain"  # it may have arrived; settled by its kind (services.notices.rules)
    FAILED = "failed"  # gave up after max attempts, or refused for good


class Outbox(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_state_next", "state", "next_attempt_at"),
        # The sender's "is an earlier notice of this chat unsettled?" reads only these rows.
        Index(
            "ix_outbox_active_chat",
            "chat_id",
            "id",
            postgresql_where=text("state IN ('pending', 'sending')"),
            sqlite_where=text("state IN ('pending', 'sending')"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    platform: Mapped[str] = mapped_column(String(16), default="telegram")
    chat_id: Mapped[str] = mapped_column(String(64), index=True)
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # A notice that must never go out twice (a reminder, say) carries a unique key.
    dedupe_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    state: Mapped[str] = mapped_column(String(16), default=OutboxState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The instance key (bot.runtime.lease) of the process that claimed the row while it is
    # `sending`.
    claimed_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
