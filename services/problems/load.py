"""A whole problem list imported in one unit of work: every row checked first, and when any is
refused nothing is written and every refused row is named with its reasons; a row already
imported (the same issuer and number) is left as it is, so importing a file again changes nothing.
Each row's campaign (its own column, else the one asked for) is made when it does not exist,
dated by the latest deadline of its rows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case
from services.campaigns.store import campaign_by_name, create_campaign, link_cases
from services.problems.check import check_row, lookups
from services.problems.columns import Field
from services.problems.read import RawRow
from services.settings import Settings
from services.workflow import ListedProblem, file_listed_problem


class ProblemListRefused(Exception):
    """Rows that cannot be imported, each as 'row N: reason; reason'; nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} rows refused")
        self.problems = problems


@dataclass
class ImportReport:
    created: list[tuple[int, str, str]] = field(default_factory=list)  # line, number, case
    unchanged: list[tuple[int, str, str]] = field(default_factory=list)
    open_count: int = 0
    closed_count: int = 0
    campaigns_created: list[tuple[str, date]] = field(default_factory=list)
    linked: dict[str, int] = field(default_factory=dict)  # campaign -> cases newly put in it

    def lines(self) -> list[str]:
        out = [f"imported {len(self.created)} problems ({self.open_count} open, "
               f"{self.closed_count} already rectified), {len(self.unchanged)} already there"]
        out += [f"  row {line}: {number} -> {case}" for line, number, case in self.created]
        out += [f"  row {line}: {number} is {case} already, left as it is"
                for line, number, case in self.unchanged]
        out += [f"campaign {name!r} created, due {due.isoformat()}"
                for name, due in self.campaigns_created]
        out += [f"campaign {name!r}: {n} cases added" for name, n in self.linked.items() if n]
        return out


async def import_problems(
    session: AsyncSession, rows: list[RawRow], settings: Settings, now: datetime, *,
    campaign: str | None = None, source_file: str = "", actor_id: int | None = None,
) -> ImportReport:
    """Check every row, then file the new ones and link them to their campaigns; the caller
    commits. Raises ProblemListRefused (having written nothing) when any row is refused."""
    look = await lookups(session, settings, now)
    refused: list[str] = []
    checked: list[tuple[RawRow, ListedProblem]] = []
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        problem, why = await check_row(row, look)
        key = (row.text(Field.ISSUER), row.text(Field.NUMBER))
        if key[1] and key in seen:
            why.append(f"编号 {key[1]!r} of {key[0] or 'no issuer'} repeats row {seen[key]}")
        seen.setdefault(key, row.line)
        if why or problem is None:
            refused.append(f"row {row.line}: " + "; ".join(why))
        else:
            checked.append((row, problem))
    if refused:
        raise ProblemListRefused(refused)
    existing = await _existing(session, [p for _row, p in checked])
    report = ImportReport()
    by_campaign: dict[str, list[tuple[int, date]]] = defaultdict(list)
    tz = ZoneInfo(settings.locale.timezone)
    for row, problem in checked:
        case = existing.get((problem.issuer, problem.number))
        if case is not None:
            report.unchanged.append((row.line, problem.number, case.number))
        else:
            case = await file_listed_problem(session, problem, settings, now,
                                             actor_id=actor_id, source_file=source_file)
            report.created.append((row.line, problem.number, case.number))
            if problem.closed_at is None:
                report.open_count += 1
            else:
                report.closed_count += 1
        name = row.text(Field.CAMPAIGN) or campaign
        if name:
            by_campaign[name].append((case.id, problem.due.astimezone(tz).date()))
    for name, members in by_campaign.items():
        found = await campaign_by_name(session, name)
        if found is None:
            due = max(day for _id, day in members)
            found = await create_campaign(session, name, due)
            report.campaigns_created.append((found.name, due))
        report.linked[found.name] = await link_cases(session, found, [i for i, _d in members])
    return report


async def _existing(session: AsyncSession, problems: list[ListedProblem]
                    ) -> dict[tuple[str, str], Case]:
    numbers = {p.number for p in problems}
    if not numbers:
        return {}
    found = await session.scalars(select(Case).where(Case.issue_number.in_(numbers)))
    return {(c.issuer or "", c.issue_number or ""): c for c in found}
