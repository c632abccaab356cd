"""A campaign (专项行动, 整改任务): a named set of cases with one date for all of them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, utcnow


class Campaign(Base):
    """Its cases are those linked to it (imported with it) and, when any selector is set,
    every case matching all the selectors (origin, water source, cell and below)."""

    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    due_on: Mapped[date] = mapped_column(Date)  # a local date: everything done by its end
    origin: Mapped[str | None] = mapped_column(String(16))  # a CaseSource
    water_source_id: Mapped[int | None] = mapped_column(ForeignKey("water_source.id"))
    cell_id: Mapped[int | None] = mapped_column(ForeignKey("grid_cell.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CampaignCase(Base):
    """A case put into a campaign by name (an imported list's rows)."""

    __tablename__ = "campaign_case"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), primary_key=True, index=True)
