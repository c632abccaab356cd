"""The four-level grid and the water sources with their protection zones."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, BigId, utcnow

if TYPE_CHECKING:
    from models.member import Member


class Level(StrEnum):
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"

    @property
    def rank(self) -> int:
        """0 for the city, 3 for a village."""
        return list(Level).index(self)


class Zone(StrEnum):
    GRADE1 = "grade1"
    GRADE2 = "grade2"
    QUASI = "quasi"


class GridCell(Base):
    __tablename__ = "grid_cell"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("grid_cell.id"), index=True)
    # "/<root id>/<child id>/.../<own id>/": a subtree is `path LIKE '/1/7/%'`.
    path: Mapped[str] = mapped_column(String(255), index=True)
    boundary_wkt: Mapped[str] = mapped_column(Text)
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    parent: Mapped[GridCell | None] = relationship(remote_side=[id], lazy="raise")

    @property
    def level_enum(self) -> Level:
        return Level(self.level)


class WaterSource(Base):
    __tablename__ = "water_source"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    cell_id: Mapped[int | None] = mapped_column(ForeignKey("grid_cell.id"))
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", use_alter=True))
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    zones: Mapped[list[ProtectionZone]] = relationship(
        back_populates="source", cascade="all, delete-orphan", lazy="selectin"
    )
    leader: Mapped[Member | None] = relationship(foreign_keys=[leader_id], lazy="raise")


class ProtectionZone(Base):
    __tablename__ = "protection_zone"
    __table_args__ = (UniqueConstraint("source_id", "grade"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("water_source.id", ondelete="CASCADE"))
    grade: Mapped[str] = mapped_column(String(16))
    boundary_wkt: Mapped[str] = mapped_column(Text)

    source: Mapped[WaterSource] = relationship(back_populates="zones")
