"""The report's own notice: a reporter told that an unfinished report was dropped."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from models import Member, Outbox
from services.i18n import translator
from services.notices.card import Card
from services.notices.kinds import DraftExpired
from services.settings import Settings


async def render_draft_expired(
    _session: AsyncSession, notice: DraftExpired, _row: Outbox, member: Member | None,
    settings: Settings,
) -> Card | None:
    """The reporter hears that an unfinished report was dropped."""
    t = translator(member.language if member else settings.locale.default)
    hours = notice.hours if notice.hours is not None \
        else round(settings.cases.draft_ttl.total_seconds() / 3600)
    return Card(t.n("Your unfinished report was dropped after {count} hour without "
                        "changes. Send /report to start again.",
                        "Your unfinished report was dropped after {count} hours without "
                        "changes. Send /report to start again.", int(hours)))
