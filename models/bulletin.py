"""A supervision bulletin (督查通报): a numbered document naming the slow, overdue and reopened
cases of a scope and period, and the orders issued in it; its lines are kept as they were
drafted, so the document of an issued bulletin reads the same ever after."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, utcnow


class BulletinState(StrEnum):
    DRAFT = "draft"  # being edited by its issuer; no number yet
    ISSUED = "issued"  # numbered, stored, sent to the cells it names


class BulletinSection(StrEnum):
    OVERDUE = "overdue"
    SLOW = "slow"
    REOPENED = "reopened"
    ORDER = "order"


class Bulletin(Base):
    """One bulletin; its number (e.g. 2026年第10期) is given at issue, from the year's series."""

    __tablename__ = "bulletin"
    __table_args__ = (
        UniqueConstraint("year", "seq"),
        Index("ix_bulletin_issuer_state", "issuer_id", "state"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    state: Mapped[str] = mapped_column(String(16), default=BulletinState.DRAFT)
    year: Mapped[int | None]
    seq: Mapped[int | None]
    number: Mapped[str | None] = mapped_column(String(64), unique=True)
    scope_cell_id: Mapped[int | None] = mapped_column(ForeignKey("grid_cell.id"))  # None: all
    sources: Mapped[list[Any]] = mapped_column(default=list)  # a linked leader's water sources
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    issuer_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    kind: Mapped[str | None] = mapped_column(String(16))  # the issuer's SupervisionKind
    opening: Mapped[str] = mapped_column(Text, default="")
    demands: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_at: Mapped[datetime | None]


class BulletinLine(Base):
    """A case (or an order) named in a bulletin, as it stood when the bulletin was drafted."""

    __tablename__ = "bulletin_line"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    bulletin_id: Mapped[int] = mapped_column(
        ForeignKey("bulletin.id", ondelete="CASCADE"), index=True)
    section: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(default=0)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    case_number: Mapped[str] = mapped_column(String(32))
    cell_id: Mapped[int] = mapped_column(ForeignKey("grid_cell.id"))
    place: Mapped[str] = mapped_column(String(200), default="")
    owner: Mapped[str | None] = mapped_column(String(128))
    days_late: Mapped[int] = mapped_column(default=0)
    order_number: Mapped[str | None] = mapped_column(String(64))
    order_state: Mapped[str | None] = mapped_column(String(16))


class BulletinRecipient(Base):
    """A manager of a cell the bulletin names; acknowledged once, by themselves."""

    __tablename__ = "bulletin_recipient"

    bulletin_id: Mapped[int] = mapped_column(
        ForeignKey("bulletin.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True, index=True)
    cell_id: Mapped[int] = mapped_column(ForeignKey("grid_cell.id"))
    acknowledged_at: Mapped[datetime | None]
