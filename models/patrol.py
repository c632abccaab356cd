"""Patrols (巡库 / 巡河): a cadre's walk along a water source, every point of its track as it
came, and the checkpoints a water source asks a patrol to pass."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, utcnow


class PatrolState(StrEnum):
    WAITING = "waiting"  # the source chosen, no point yet
    OPEN = "open"
    CLOSED = "closed"


class PointFlag(StrEnum):
    JUMP = "jump"  # faster than a person moves from the last counted point
    INACCURATE = "inaccurate"  # the device's own accuracy is worse than the bound


class Checkpoint(Base):
    """A point a patrol of its water source should pass (intake, outfall, sign, fence)."""

    __tablename__ = "checkpoint"
    __table_args__ = (UniqueConstraint("source_id", "code"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("water_source.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    radius_m: Mapped[float] = mapped_column(Float)


class Patrol(Base):
    """One patrol; its running figures are kept up to date point by point, so that neither a
    verdict nor a restart needs the whole track again."""

    __tablename__ = "patrol"
    __table_args__ = (Index("ix_patrol_state_heard", "state", "heard_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"),
                                           index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("water_source.id", ondelete="CASCADE"))
    level: Mapped[str] = mapped_column(String(16))  # the level whose rule judges it
    state: Mapped[str] = mapped_column(String(12), default=PatrolState.WAITING)
    message_id: Mapped[str | None] = mapped_column(String(32))  # the live location's message
    started_at: Mapped[datetime | None]
    last_point_at: Mapped[datetime | None]  # the device's time of the latest point
    heard_at: Mapped[datetime | None]  # the server's time it came: what the sweep's idle reads
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(16))
    # The last counted point, from which the next one is measured.
    last_lat: Mapped[float | None] = mapped_column(Float)
    last_lon: Mapped[float | None] = mapped_column(Float)
    last_good_at: Mapped[datetime | None]
    distance_m: Mapped[float] = mapped_column(Float, default=0.0)
    points: Mapped[int] = mapped_column(default=0)
    flagged: Mapped[int] = mapped_column(default=0)
    gaps: Mapped[int] = mapped_column(default=0)
    passed: Mapped[list[Any]] = mapped_column(default=list)  # checkpoint codes, in order
    verdict: Mapped[str | None] = mapped_column(String(24))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PatrolPoint(Base):
    """One position as the device sent it; `step_m` is what it added to the distance."""

    __tablename__ = "patrol_point"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    patrol_id: Mapped[int] = mapped_column(ForeignKey("patrol.id", ondelete="CASCADE"),
                                           index=True)
    at: Mapped[datetime]
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    heading: Mapped[int | None]
    flag: Mapped[str | None] = mapped_column(String(12))
    # Seconds since the point before, when longer than patrols.gap.
    gap_s: Mapped[float | None] = mapped_column(Float)
    step_m: Mapped[float] = mapped_column(Float, default=0.0)


class PatrolCase(Base):
    """A report filed while its reporter was on a patrol."""

    __tablename__ = "patrol_case"

    patrol_id: Mapped[int] = mapped_column(ForeignKey("patrol.id", ondelete="CASCADE"),
                                           primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"),
                                         primary_key=True)
