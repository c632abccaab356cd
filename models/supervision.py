"""Supervision orders (督办单), extension requests, and the bookkeeping of fortnightly summaries."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, utcnow


class OrderState(StrEnum):
    ISSUED = "issued"  # waiting for the target cell to acknowledge
    ACKNOWLEDGED = "acknowledged"  # acknowledged; the demand is being worked on
    RESOLVED = "resolved"  # the case closed (or moved on) before the order's deadline
    ANSWERED = "answered"  # the target said what was done (落实情况); the issuer decides
    RETURNED = "returned"  # the issuer sent the answer back, with a reason: answer again
    ACCEPTED = "accepted"  # the issuer accepted the answer: the order is done


class SupervisionOrder(Base):
    """A 督办单: a demand on a target cell about one case, with its own escalating deadline."""

    __tablename__ = "supervision_order"
    __table_args__ = (Index("ix_supervision_order_state_deadline", "state", "deadline"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    issuer_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))  # None: the system
    automatic: Mapped[bool] = mapped_column(default=False)
    kind: Mapped[str | None] = mapped_column(String(16))  # the issuer's SupervisionKind
    target_cell_id: Mapped[int] = mapped_column(ForeignKey("grid_cell.id"))
    demand: Mapped[str] = mapped_column(Text)
    deadline: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16), default=OrderState.ISSUED)
    escalation_level: Mapped[int] = mapped_column(default=0)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    resolved_at: Mapped[datetime | None]
    issued_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class OrderAnswer(Base):
    """One answer to an order (落实情况: what was done, with photos) and the issuer's decision
    on it (accepted, or returned with a reason): the order's whole exchange, in order."""

    __tablename__ = "supervision_order_answer"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("supervision_order.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    text: Mapped[str] = mapped_column(Text)
    photo_ids: Mapped[list[Any]] = mapped_column(default=list)  # Photo ids, kind "order"
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)
    decision: Mapped[str | None] = mapped_column(String(16))  # "accepted", "returned"
    reason: Mapped[str | None] = mapped_column(Text)  # why it was returned
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    decided_at: Mapped[datetime | None]


class ExtensionState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


class ExtensionRequest(Base):
    """The responsible member asks the level above for more time on the current stage."""

    __tablename__ = "extension_request"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    stage: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    current_due: Mapped[datetime]
    requested_due: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16), default=ExtensionState.PENDING)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SummaryRecord(Base):
    """What a fortnightly summary said, so the next one can show the change since."""

    __tablename__ = "summary_record"
    __table_args__ = (UniqueConstraint("member_id", "period_end"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    figures: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
