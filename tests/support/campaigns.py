"""The article's campaign where the digests, the summary, the ledger and the reminders can see
it: the problem list imported (as it is, or with every row moved to 妙西东北村 of 吴兴区, so
one county holds the article's whole figures), with managers of the counties concerned and
not, and a leader of 南浔区 linked to 老虎潭水库."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from models import Case, GridCell, Member, Role, WaterSource
from models.db import SessionFactory
from services.problems import import_problems, read_xlsx
from services.settings import Settings
from tests.support.problems import demo_world, example_maker

MAKER = example_maker()
HERE = ("老虎潭水库", "妙西东北村")  # the ministry's problem's source and village
# Outside 吴兴区, no campaign: a problem of 南浔镇, so that its managers have a digest.
ELSEWHERE = ("NX-2026-01", "自查", "湖州市", "", "南浔镇", "垃圾堆放", "河岸垃圾", "330503100",
             "清运", "2026-11-30", "", "", "否", "")


@dataclass(frozen=True)
class CampaignWorld:
    village_manager: int  # 妙西东北村
    county_manager: int  # 吴兴区
    other_manager: int  # 南浔区: no campaign case there
    deqing_manager: int  # 德清县 (莫干山西南村 lies in it)
    leader: int  # of 南浔区, linked to 老虎潭水库


def _one_county_rows() -> tuple[tuple[str, ...], ...]:
    return (*((*row[:3], *HERE, *row[5:]) for row in MAKER.ROWS), ELSEWHERE)


async def campaign_world(sessions: SessionFactory, grid: dict[str, Any], settings: Settings,
                         now: datetime, *, one_county: bool = True) -> CampaignWorld:
    village = await demo_world(sessions, grid)
    async with sessions() as session:
        cells = {c.code: c for c in await session.scalars(select(GridCell).where(
            GridCell.code.in_(["330502", "330503", "330521"])))}
        people = [Member(platform_user_id=str(600 + i), chat_id=str(600 + i), display_name=name,
                         role=role, cell_id=cells[code].id)
                  for i, (name, role, code) in enumerate((
                      ("吴兴区网格长", Role.MANAGER, "330502"),
                      ("南浔区网格长", Role.MANAGER, "330503"),
                      ("德清县网格长", Role.MANAGER, "330521"),
                      ("联系领导", Role.LEADER, "330503")))]
        session.add_all(people)
        await session.flush()
        await session.execute(update(WaterSource).where(WaterSource.name == HERE[0])
                              .values(leader_id=people[3].id))
        rows = _one_county_rows() if one_county else MAKER.ROWS
        await import_problems(session, read_xlsx(MAKER.xlsx_bytes(rows)), settings, now,
                              source_file="list.xlsx")
        await session.commit()
        return CampaignWorld(village, *(p.id for p in people))


async def numbers_of(sessions: SessionFactory, *issue_numbers: str) -> list[str]:
    """The case numbers of the list's rows, in their order."""
    async with sessions() as session:
        found = dict((await session.execute(select(Case.issue_number, Case.number).where(
            Case.issue_number.in_(issue_numbers)))).all())
    return [found[n] for n in issue_numbers]
