"""A short conversation behind a button (a plan, a reason, the after-photo, more time), kept in
the database so that a restart in the middle of it loses nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, utcnow


class PendingAction(Base):
    """One per member: starting another conversation replaces it; it lapses at `expires_at`."""

    __tablename__ = "pending_action"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(
        ForeignKey("member.id", ondelete="CASCADE"), unique=True
    )
    kind: Mapped[str] = mapped_column(String(24))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    step: Mapped[str | None] = mapped_column(String(24))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
