"""Campaigns by name: found, made, and given cases (linking twice changes nothing)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Campaign, CampaignCase


async def campaign_by_name(session: AsyncSession, name: str) -> Campaign | None:
    return await session.scalar(select(Campaign).where(Campaign.name == name.strip()))


async def all_campaigns(session: AsyncSession) -> list[Campaign]:
    """Every campaign, the nearest date first."""
    return list(await session.scalars(select(Campaign).order_by(Campaign.due_on, Campaign.id)))


async def create_campaign(
    session: AsyncSession, name: str, due_on: date, *, origin: str | None = None,
    water_source_id: int | None = None, cell_id: int | None = None,
) -> Campaign:
    """A new campaign (the caller checked the name is free); the caller commits."""
    campaign = Campaign(name=name.strip(), due_on=due_on, origin=origin,
                        water_source_id=water_source_id, cell_id=cell_id)
    session.add(campaign)
    await session.flush()
    return campaign


async def link_cases(session: AsyncSession, campaign: Campaign, case_ids: Iterable[int]) -> int:
    """Put cases into the campaign; those already in it are left as they are. How many were new."""
    wanted = set(case_ids)
    if not wanted:
        return 0
    have = set(await session.scalars(select(CampaignCase.case_id).where(
        CampaignCase.campaign_id == campaign.id, CampaignCase.case_id.in_(wanted))))
    session.add_all(CampaignCase(campaign_id=campaign.id, case_id=i) for i in wanted - have)
    await session.flush()
    return len(wanted - have)
