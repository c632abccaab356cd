"""A reported problem and everything that hangs on it: photos, the audit trail, drafts."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Float, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, utcnow


class CaseState(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    DISPATCHED = "dispatched"
    RECTIFYING = "rectifying"
    RECTIFIED = "rectified"
    CHECKED = "checked"
    CLOSED = "closed"
    REJECTED = "rejected"
    MERGED = "merged"


OPEN_STATES = frozenset(
    {
        CaseState.SUBMITTED,
        CaseState.ACCEPTED,
        CaseState.DISPATCHED,
        CaseState.RECTIFYING,
        CaseState.RECTIFIED,
        CaseState.CHECKED,
    }
)


class CaseSource(StrEnum):
    PUBLIC = "public"  # a volunteer or a member of the public
    SELF = "self"  # self-inspection by a patroller or grid member (自查上报)
    ASSIGNED = "assigned"  # assigned from above (交办)


class Severity(StrEnum):
    """How serious a report is; it sets the deadlines of every stage."""


    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"

    def raised(self) -> Severity:
        """One step more serious; urgent stays urgent."""
        order = list(Severity)
        return order[min(order.index(self) + 1, len(order) - 1)]


class Stage(StrEnum):
    """The deadline a case is chased by (`Case.stage`)."""


    ACCEPT = "accept"
    PLAN = "plan"
    RECTIFY = "rectify"
    CHECK = "check"


class Case(Base):
    __tablename__ = "case"
    __table_args__ = (
        Index("ix_case_cell_state", "cell_id", "state"),
        Index("ix_case_next_alarm_at", "next_alarm_at"),
        # The cases merged into one (their reporters hear of it too): few, so only they count.
        Index("ix_case_merged_into_id", "merged_into_id",
              postgresql_where=text("merged_into_id IS NOT NULL"),
              sqlite_where=text("merged_into_id IS NOT NULL")),
        # A problem from a list is known by who issued it and its number there: one case each.
        Index("uq_case_issuer_issue_number", "issuer", "issue_number", unique=True),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    source: Mapped[str] = mapped_column(String(16), default=CaseSource.PUBLIC)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), index=True)
    anonymous: Mapped[bool] = mapped_column(default=False)
    # A problem from a list (交办清单, a self-inspection list): the issuing body ("" for none)
    # and its own number there; None for a report.
    issuer: Mapped[str | None] = mapped_column(String(100))
    issue_number: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(24))
    severity: Mapped[str] = mapped_column(String(16))
    emergency: Mapped[bool] = mapped_column(default=False)
    description: Mapped[str] = mapped_column(Text, default="")
    # The point as measured (shared, typed or a photo's GPS), WGS-84; None when the place was
    # chosen from the list, which names a village, not a point.
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    # How the place was given: services.reports.PlaceSource; None on cases filed before it was kept.
    place_source: Mapped[str | None] = mapped_column(String(16))
    origin_cell_id: Mapped[int] = mapped_column(ForeignKey("grid_cell.id"))
    cell_id: Mapped[int] = mapped_column(ForeignKey("grid_cell.id"))
    water_source_id: Mapped[int | None] = mapped_column(ForeignKey("water_source.id"))
    zone: Mapped[str | None] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default=CaseState.SUBMITTED, index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    # Rectification plan, "one point, one policy" (一点一策).
    plan_task: Mapped[str | None] = mapped_column(Text)
    plan_steps: Mapped[str | None] = mapped_column(Text)
    plan_owner: Mapped[str | None] = mapped_column(String(128))
    plan_due: Mapped[datetime | None]
    # Deadlines: the stage being chased, when it started and is due, and the next time the
    # sweep must look at this case (a reminder or the deadline itself); NULL when nothing is due.
    stage: Mapped[str | None] = mapped_column(String(16))
    stage_started_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    next_alarm_at: Mapped[datetime | None]
    reminders_sent: Mapped[int] = mapped_column(default=0)
    missed_deadlines: Mapped[int] = mapped_column(default=0)
    escalation_level: Mapped[int] = mapped_column(default=0)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class CaseEvent(Base):
    """The append-only audit trail: who did what to a case, and when."""

    __tablename__ = "case_event"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # The case's hash chain (models.chain): the hash of the case's previous event, and this
    # event's own over its content and that one; NULL only on a row nobody chained.
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


class AuditAnchor(Base):
    """One local day's seal over every case's chain: the hash of each case's last event as of
    `last_event_id`, chained to the day before (services.audit.anchors)."""

    __tablename__ = "audit_anchor"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    day: Mapped[date] = mapped_column(unique=True)
    last_event_id: Mapped[int] = mapped_column(BigInteger)
    cases: Mapped[int]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Draft(Base):
    """A report in progress; every answer lands here at once, so a restart loses nothing."""

    __tablename__ = "draft"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), unique=True)
    chat_id: Mapped[str] = mapped_column(String(64))
    step: Mapped[str] = mapped_column(String(24))
    category: Mapped[str | None] = mapped_column(String(24))
    severity: Mapped[str | None] = mapped_column(String(16))
    description: Mapped[str | None] = mapped_column(Text)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    place_source: Mapped[str | None] = mapped_column(String(16))
    chosen_cell_id: Mapped[int | None] = mapped_column(ForeignKey("grid_cell.id"))
    anonymous: Mapped[bool] = mapped_column(default=False)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)


FILE_ID_PLATFORM = "telegram"  # whose file ids Photo keeps; other channels upload the bytes


class PhotoKind(StrEnum):
    REPORT = "report"
    AFTER = "after"
    EVIDENCE = "evidence"
    ORDER = "order"  # with an answer to a supervision order (OrderAnswer.photo_ids), no case


class Photo(Base):
    """One picture as received: the original bytes are kept unaltered under their sha256."""

    __tablename__ = "photo"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    draft_id: Mapped[int | None] = mapped_column(
        ForeignKey("draft.id", ondelete="SET NULL"), index=True
    )
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    kind: Mapped[str] = mapped_column(String(16), default=PhotoKind.REPORT)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    stored_path: Mapped[str] = mapped_column(String(255))
    display_path: Mapped[str | None] = mapped_column(String(255))
    size_bytes: Mapped[int]
    width: Mapped[int]
    height: Mapped[int]
    mime: Mapped[str] = mapped_column(String(32))
    exif_time: Mapped[datetime | None]
    exif_lat: Mapped[float | None] = mapped_column(Float)
    exif_lon: Mapped[float | None] = mapped_column(Float)
    phash: Mapped[str] = mapped_column(String(16), index=True)  # 64 bits as 16 hex digits
    # The id FILE_ID_PLATFORM gave the photo (or its display copy), to send it again by id.
    platform_file_id: Mapped[str | None] = mapped_column(String(255))
    platform_file_unique_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
