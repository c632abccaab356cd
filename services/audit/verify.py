"""`audit verify`: walk every case's chain in id order, a batch of cases at a time (never the
whole log in memory), and name the first event of each case that does not match."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, CaseEvent
from models.chain import GENESIS, PhotoIndex, event_hash, named_photos, photos_query

CASES_PER_BATCH = 500


@dataclass(frozen=True)
class Break:
    """The first event of a case that does not match its chain, and why."""

    event_id: int
    case_id: int
    number: str
    kind: str
    reason: str  # "unchained" | "content" | "link"

    def line(self) -> str:
        why = {"unchained": "carries no hash",
               "content": "its content does not match its hash (the row was changed)",
               "link": "its link does not match the event before it (an event before it was "
                       "removed, inserted or rehashed)"}[self.reason]
        return f"event {self.event_id} ({self.kind}) of case {self.number}: {why}"


@dataclass
class Verdict:
    cases: int = 0
    events: int = 0
    breaks: list[Break] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.breaks


async def _case_batches(session: AsyncSession, case_id: int | None) -> AsyncIterator[list[int]]:
    if case_id is not None:
        yield [case_id]
        return
    after = 0
    while True:
        ids = list(await session.scalars(
            select(Case.id).where(Case.id > after).order_by(Case.id).limit(CASES_PER_BATCH)))
        if not ids:
            return
        yield ids
        after = ids[-1]


def check_case(case_id: int, number: str, rows: list[Any], photos: PhotoIndex) -> Break | None:
    """The first event of one case's rows (in id order) that does not match, if any."""
    prev = GENESIS
    for row in rows:
        if row.hash is None or row.prev_hash is None:
            return Break(row.id, case_id, number, row.kind, "unchained")
        expected = event_hash(prev, case_id, row.actor_id, row.at, row.kind, row.payload,
                              photos.hashes(case_id, row.kind, row.payload))
        if row.prev_hash != prev:
            return Break(row.id, case_id, number, row.kind, "link")
        if row.hash != expected:
            return Break(row.id, case_id, number, row.kind, "content")
        prev = row.hash
    return None


async def verify_chain(session: AsyncSession, case_id: int | None = None) -> Verdict:
    """Every case (or one) checked; a batch of cases' events and photos read at a time."""
    verdict = Verdict()
    async for ids in _case_batches(session, case_id):
        numbers = {i: n for i, n in await session.execute(
            select(Case.id, Case.number).where(Case.id.in_(ids)))}
        by_case: dict[int, list[Any]] = {i: [] for i in ids}
        rows = list(await session.execute(
            select(CaseEvent.id, CaseEvent.case_id, CaseEvent.actor_id, CaseEvent.kind,
                   CaseEvent.payload, CaseEvent.at, CaseEvent.prev_hash, CaseEvent.hash)
            .where(CaseEvent.case_id.in_(ids)).order_by(CaseEvent.case_id, CaseEvent.id)))
        for row in rows:
            by_case[row.case_id].append(row)
        photos = PhotoIndex(await session.execute(photos_query(ids, named_photos(rows))))
        for i in ids:
            if i not in numbers:
                continue
            verdict.cases += 1
            verdict.events += len(by_case[i])
            found = check_case(i, numbers[i], by_case[i], photos)
            if found is not None:
                verdict.breaks.append(found)
        session.expunge_all()
    return verdict
