"""A small world for report tests: the demo Huzhou grid, its index, and people in it.

Shared by tests/test_drafts.py, tests/test_intake.py and tests/test_report_*.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import GridCell, Member, Role, WaterSource
from services.grid import GridIndex, import_grid, load_grid_index
from services.photos import PhotoFacts

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo" / "huzhou.geojson"

# Points of the demo grid (lat, lon).
IN_GRADE1 = (30.79, 119.96)  # 老虎潭水库 grade I zone, village 妙西东北村
PLAIN_VILLAGE = (30.74, 120.17)  # 东林东南村, no protection zone
OUTSIDE = (31.6, 121.3)  # beyond Huzhou: outside every cell


@dataclass
class World:
    grid: GridIndex
    city: int
    county: int
    township: int  # 妙西镇
    village: int  # 妙西东北村
    source: int  # 老虎潭水库
    reporter: Member
    village_manager: Member
    township_manager: Member
    city_manager: Member
    leader: Member


def _member(uid: int, name: str, role: Role = Role.VOLUNTEER, cell: int | None = None) -> Member:
    return Member(
        platform_user_id=str(uid),
        chat_id=str(uid),
        display_name=name,
        role=role,
        cell_id=cell,
        language="en",
    )


async def _cell(session: AsyncSession, code: str) -> int:
    cell = await session.scalar(select(GridCell).where(GridCell.code == code))
    assert cell is not None, code
    return cell.id


async def build_world(session: AsyncSession, *, reporter_uid: int = 1001) -> World:
    """Import the demo grid, add a reporter, managers at three levels and the linked leader;
    commits."""
    await import_grid(session, json.loads(DEMO.read_text(encoding="utf-8")), commit=False)
    await session.flush()
    city, county = await _cell(session, "330500"), await _cell(session, "330502")
    township, village = await _cell(session, "330502100"), await _cell(session, "330502100004")
    source = await session.scalar(select(WaterSource).where(WaterSource.code == "WS-LHT"))
    assert source is not None
    people = [
        _member(reporter_uid, "Reporter <b>"),
        _member(2001, "Village manager", Role.MANAGER, village),
        _member(2002, "Township manager", Role.MANAGER, township),
        _member(2003, "City manager", Role.MANAGER, city),
        _member(2004, "Leader", Role.LEADER, county),
    ]
    session.add_all(people)
    await session.flush()
    source.leader_id = people[4].id
    await session.commit()
    grid = await load_grid_index(session)
    return World(grid, city, county, township, village, source.id, *people)


def facts(
    n: int, *, phash: str | None = None, gps: tuple[float, float] | None = None
) -> PhotoFacts:
    """A picture's facts as services.photos reports them, for tests that skip Pillow."""
    return PhotoFacts(
        sha256=f"{n:064x}",
        phash=phash or f"{n * 0x9E3779B97F4A7C15 % 2**64:016x}",
        mime="image/jpeg",
        size_bytes=1000,
        width=800,
        height=600,
        exif_time=None,
        exif_lat=gps[0] if gps else None,
        exif_lon=gps[1] if gps else None,
    )


# ----- end to end, through the bot harness -----

async def add_manager(sessions: Any, user_id: int, name: str, cell_code: str,
                      role: Role = Role.MANAGER) -> int:
    """A registered member with a role in a cell (as an accepted invite would leave them)."""
    async with sessions() as s:
        cell = await _cell(s, cell_code)
        member = _member(user_id, name, role, cell)
        s.add(member)
        await s.commit()
        return member.id


def buttons(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


def with_button(h: Any, chat: Any, label: str) -> dict[str, Any]:
    """The latest bot message to `chat` that has an inline button `label`."""
    for message in reversed(h.messages_to(chat)):
        if label in buttons(message):
            return message  # type: ignore[no-any-return]
    raise AssertionError(f"no message with a button {label!r}: "
                         f"{[m.get('text', '')[:60] for m in h.messages_to(chat)[-5:]]}")


async def press(h: Any, user: Any, label: str) -> str:
    query_id: str = await h.press(user, with_button(h, user, label), label)
    return query_id


def texts(h: Any, chat: Any, since: int = 0) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in h.messages_to(chat)[since:]]
