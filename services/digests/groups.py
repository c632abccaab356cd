"""A bound group's daily digest: its cell's figures as the cell's manager would read them; in
"instead" mode the managers of that cell get no private copy."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import GroupBinding, Member, Role
from services.digests.render import digest_text
from services.digests.rounds import Digest, digest_for
from services.digests.split import split_message
from services.i18n import translator
from services.members import covered_cells
from services.notices.kinds import DigestNotice
from services.notices.queue import Target, outbox_row, queue_many
from services.settings import Settings


async def drop_group_read(
    session: AsyncSession, settings: Settings, digests: list[Digest], members: list[Member]
) -> list[Digest]:
    """In "instead" mode a manager whose cell's group gets the cell's digest gets no copy."""
    bindings = list(await session.scalars(
        select(GroupBinding).where(GroupBinding.active.is_(True))))
    covered = covered_cells(bindings, settings)
    if not covered:
        return digests
    spared = {m.id for m in members if m.role == Role.MANAGER and m.cell_id in covered}
    return [d for d in digests if d.member_id not in spared]


async def queue_group_digests(session: AsyncSession, settings: Settings, now: datetime) -> int:
    """Each bound group's daily digest: its cell's figures, as its manager would read them,
    once per group and local day."""
    tz = ZoneInfo(settings.locale.timezone)
    t = translator(settings.locale.default)
    bindings = list(await session.scalars(
        select(GroupBinding).where(GroupBinding.active.is_(True)).order_by(GroupBinding.id)))
    rows: list[dict[str, Any]] = []
    for binding in bindings:
        # A stand-in reader: the digest of a manager of the group's cell (never saved).
        reader = Member(id=0, role=Role.MANAGER, cell_id=binding.cell_id,
                        language=settings.locale.default, display_name=binding.title)
        digest = await digest_for(session, reader, now, tz)
        if digest is None:
            continue
        parts = split_message(digest_text(digest, t, settings))
        to = Target(binding.platform, binding.chat_id)
        rows += [outbox_row(DigestNotice(digest.to_payload(), part=k, parts=len(parts)), to,
                            f"daily:group:{binding.id}:{digest.local_date}:{k}", now)
                 for k in range(len(parts))]
    await queue_many(session, rows)
    return len(rows)
