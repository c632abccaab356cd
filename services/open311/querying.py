"""GET /requests: the spec's filters (service_request_id, service_code, status, start_date,
end_date) and its limits: without dates, the last 90 days; a span of at most 90 days; at most
1000 requests, newest first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import OPEN_STATES, Case
from services.open311.errors import Open311Error

DEFAULT_SPAN = timedelta(days=90)
MAX_SPAN = timedelta(days=90)
MAX_REQUESTS = 1000
STATUSES = frozenset({"open", "closed"})


@dataclass(frozen=True)
class RequestQuery:
    numbers: tuple[str, ...] = ()  # service_request_id: these, and no other filter
    codes: tuple[str, ...] = ()
    statuses: frozenset[str] = STATUSES
    start: datetime | None = None
    end: datetime | None = None


def parse_w3c(raw: str, key: str) -> datetime:
    """A W3C date or time; one with no offset is taken as UTC."""
    try:
        moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, f"{key} is not a W3C date and time: {raw[:40]!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _listed(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def read_query(params: Mapping[str, str], now: datetime) -> RequestQuery:
    numbers = _listed(params.get("service_request_id", ""))
    if numbers:
        return RequestQuery(numbers=numbers[:MAX_REQUESTS])
    statuses = frozenset(_listed(params.get("status", ""))) or STATUSES
    if not statuses <= STATUSES:
        raise Open311Error(400, "status is open or closed")
    start = parse_w3c(params["start_date"], "start_date") if params.get("start_date") else None
    end = parse_w3c(params["end_date"], "end_date") if params.get("end_date") else None
    if start is None and end is None:
        end = now
    if start is None:
        assert end is not None
        start = end - DEFAULT_SPAN
    if end is None:
        end = max(min(start + MAX_SPAN, now), start)
    if end < start:
        raise Open311Error(400, "end_date is before start_date")
    if end - start > MAX_SPAN:
        raise Open311Error(400, "start_date to end_date may span at most 90 days")
    return RequestQuery(codes=_listed(params.get("service_code", "")), statuses=statuses,
                        start=start, end=end)


async def find_requests(session: AsyncSession, query: RequestQuery) -> Sequence[Case]:
    """The cases a query asks for, newest first, at most MAX_REQUESTS (a merged or rejected
    case is closed)."""
    statement = select(Case).order_by(Case.created_at.desc(), Case.id.desc()).limit(MAX_REQUESTS)
    if query.numbers:
        return list(await session.scalars(statement.where(Case.number.in_(query.numbers))))
    if query.codes:
        statement = statement.where(Case.category.in_(query.codes))
    if query.statuses == frozenset({"open"}):
        statement = statement.where(Case.state.in_(list(OPEN_STATES)))
    elif query.statuses == frozenset({"closed"}):
        statement = statement.where(Case.state.not_in(list(OPEN_STATES)))
    if query.start is not None:
        statement = statement.where(Case.created_at >= query.start)
    if query.end is not None:
        statement = statement.where(Case.created_at <= query.end)
    return list(await session.scalars(statement))


async def find_request(session: AsyncSession, number: str) -> Case:
    case = await session.scalar(select(Case).where(Case.number == number))
    if case is None:
        raise Open311Error(404, f"service_request_id {number!r} was not found")
    return case
