"""People who use the bot, and the invites that give them a role in a cell."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, utcnow


class Role(StrEnum):
    VOLUNTEER = "volunteer"
    PATROLLER = "patroller"
    MANAGER = "manager"
    LEADER = "leader"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class SupervisionKind(StrEnum):
    """The five kinds of supervision the article names; orders and bulletins carry theirs."""

    PROFESSIONAL = "professional"  # 专业督查
    OFFICES = "offices"  # 两办督查 (the Party committee's and the government's offices)
    DISCIPLINE = "discipline"  # 纪检督查
    PUBLIC = "public"  # 社会督查
    MEDIA = "media"  # 媒体督查


class Member(Base):
    __tablename__ = "member"
    __table_args__ = (UniqueConstraint("platform", "platform_user_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16), default="telegram")
    platform_user_id: Mapped[str] = mapped_column(String(64))
    # Where private notices go; on Telegram the private chat id equals the user id.
    chat_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16), default=Role.VOLUNTEER)
    cell_id: Mapped[int | None] = mapped_column(ForeignKey("grid_cell.id"), index=True)
    supervision_kind: Mapped[str | None] = mapped_column(String(16))  # a supervisor's
    language: Mapped[str] = mapped_column(String(8), default="zh_CN")
    # False: nothing is sent to them (they blocked the bot, or were deactivated).
    active: Mapped[bool] = mapped_column(default=True)
    # Set when a manager or admin deactivated them: coming back (/start) does not undo it,
    # only a new invite does. None for a member who merely blocked the bot.
    deactivated_at: Mapped[datetime | None]
    # When /start (or a redeemed invite) first greeted them; None: never, so greet as new.
    welcomed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def sees_whole_grid(self) -> bool:
        """An administrator, or a supervisor without a cell (city-wide): the whole grid in
        every view, as they may issue orders on any case."""
        return self.role == Role.ADMIN or (self.role == Role.SUPERVISOR and self.cell_id is None)


class MemberIdentity(Base):
    """A member's account on a further channel (their first is the member row's own): the
    same person, role and rights wherever they write. When they write from it, it becomes the
    member row's own and the one it replaces moves here (services.members.identities), so
    notices go to the channel the member used last."""

    __tablename__ = "member_identity"
    __table_args__ = (UniqueConstraint("platform", "platform_user_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    platform_user_id: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str] = mapped_column(String(64))
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)


class Invite(Base):
    __tablename__ = "invite"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    cell_id: Mapped[int | None] = mapped_column(ForeignKey("grid_cell.id"))
    water_source_id: Mapped[int | None] = mapped_column(ForeignKey("water_source.id"))
    for_group: Mapped[bool] = mapped_column(default=False)
    supervision_kind: Mapped[str | None] = mapped_column(String(16))  # given to a supervisor
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    used_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))  # None: the CLI


class MemberEvent(Base):
    """The audit trail of a member's standing: deactivated, reactivated by an invite."""

    __tablename__ = "member_event"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)
