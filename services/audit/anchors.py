"""The daily anchor: once a local day, one row hashing every case's chain head as of the last
event of that day, chained to the anchor before it. Deleting a case's last events, or
rewriting a chain whole, changes the heads an anchor sealed; the hash is also printed in the
city supervisors' digest, so a rewrite would have to change messages already delivered."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import AuditAnchor, CaseEvent
from models.chain import GENESIS


@dataclass(frozen=True)
class AnchorBreak:
    day: date
    stored: str
    found: str

    def line(self) -> str:
        return (f"anchor of {self.day.isoformat()}: the chains' heads hash to {self.found[:16]}…, "
                f"not the {self.stored[:16]}… sealed that day")


async def anchor_hash(session: AsyncSession, day: date, last_event_id: int,
                      prev: str) -> tuple[str, int]:
    """(hash, cases) over every case's last event with an id up to `last_event_id`, streamed
    in case order."""
    digest = hashlib.sha256(f"{day.isoformat()}|{prev}|{last_event_id}\n".encode())
    last = (select(func.max(CaseEvent.id)).where(CaseEvent.id <= last_event_id)
            .group_by(CaseEvent.case_id))
    cases = 0
    result = await session.stream(
        select(CaseEvent.case_id, CaseEvent.id, CaseEvent.hash)
        .where(CaseEvent.id.in_(last)).order_by(CaseEvent.case_id)
        .execution_options(yield_per=5000))
    async for case_id, event_id, sha in result:
        digest.update(f"{case_id}:{event_id}:{sha or ''}\n".encode())
        cases += 1
    return digest.hexdigest(), cases


async def seal_day(session: AsyncSession, timezone: str, now: datetime) -> AuditAnchor | None:
    """The anchor of the local day before `now`'s, made if missing (None when there is
    nothing to seal yet); flushed, the caller commits. Two processes racing meet the unique
    day (IntegrityError)."""
    tz = ZoneInfo(timezone)
    day = now.astimezone(tz).date() - timedelta(days=1)
    existing = await session.scalar(select(AuditAnchor).where(AuditAnchor.day == day))
    if existing is not None:
        return existing
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    last_event_id = await session.scalar(select(func.max(CaseEvent.id)).where(CaseEvent.at < end))
    if last_event_id is None:
        return None
    before = await session.scalar(
        select(AuditAnchor).where(AuditAnchor.day < day).order_by(AuditAnchor.day.desc()).limit(1))
    prev = before.hash if before is not None else GENESIS
    sha, cases = await anchor_hash(session, day, last_event_id, prev)
    anchor = AuditAnchor(day=day, last_event_id=last_event_id, cases=cases, prev_hash=prev,
                         hash=sha, created_at=now)
    session.add(anchor)
    await session.flush()
    return anchor


async def latest_anchor(session: AsyncSession) -> AuditAnchor | None:
    return await session.scalar(select(AuditAnchor).order_by(AuditAnchor.day.desc()).limit(1))


async def verify_anchors(session: AsyncSession) -> list[AnchorBreak]:
    """Every anchor recomputed from the chains and from the anchor before it."""
    breaks: list[AnchorBreak] = []
    prev = GENESIS
    for anchor in list(await session.scalars(select(AuditAnchor).order_by(AuditAnchor.day))):
        found, _ = await anchor_hash(session, anchor.day, anchor.last_event_id, prev)
        if found != anchor.hash or anchor.prev_hash != prev:
            breaks.append(AnchorBreak(anchor.day, anchor.hash, found))
        prev = anchor.hash
    return breaks
