"""A group chat bound to a grid cell: the cell's alerts are posted there and its members act
from the cards (each press still checked against the presser's own rights); or a WeCom group's
robot, which only posts (its members act in the app)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, utcnow


class GroupBinding(Base):
    __tablename__ = "group_binding"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16), default="telegram")
    # A Telegram group id changes when the group becomes a supergroup; the binding follows it.
    chat_id: Mapped[str] = mapped_column(String(64), unique=True)
    cell_id: Mapped[int] = mapped_column(ForeignKey("grid_cell.id"), unique=True)  # one group
    title: Mapped[str] = mapped_column(String(256), default="")
    bound_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    bound_at: Mapped[datetime] = mapped_column(default=utcnow)
    # False after /unbind, removal, or a post Telegram refused (403); the row stays on record.
    active: Mapped[bool] = mapped_column(default=True)
    # "also" or "instead" of the managers' private chats; None follows [groups] alerts.
    mode: Mapped[str | None] = mapped_column(String(16))
    unbound_at: Mapped[datetime | None]
    unbound_reason: Mapped[str | None] = mapped_column(String(32))
    # A WeCom group robot's webhook key (platform ROBOT), sealed (services.members.robots):
    # the key is the robot's only credential. None for a chat the bot is a member of.
    secret: Mapped[str | None] = mapped_column(Text)
