"""A small world for report tests: the demo Huzhou grid, its index, and people in it.

Shared by the draft, intake, place, report and case tests; the harness helpers at the end
read what the bot showed through `tests.support.harness`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.deps import Deps
from models import Draft, GridCell, Member, Role, WaterSource
from services.demo import DEMO_GRID as DEMO
from services.grid import GridIndex, import_grid, load_grid_index
from services.photos import PhotoFacts
from services.reports import PlaceSource, drafts
from services.settings import Settings
from tests.support.harness import SimUser, TelegramHarness

# Points of the demo grid (lat, lon).
IN_GRADE1 = (30.79, 119.96)  # 老虎潭水库 grade I zone, village 妙西东北村
PLAIN_VILLAGE = (30.74, 120.17)  # 东林东南村, no protection zone
OUTSIDE = (31.6, 121.3)  # beyond Huzhou: outside every cell
NEAR = (IN_GRADE1[0] + 0.0005, IN_GRADE1[1])  # ~55 m from IN_GRADE1

# Cells of the demo grid.
VILLAGE = "330502100004"  # 妙西东北村, holds 老虎潭水库's grade I zone
OTHER_VILLAGE = "330502100001"
TOWNSHIP = "330502100"  # 妙西镇

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)  # when a draft of `finished_draft` is made


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
    await import_grid(session, json.loads(DEMO.read_text(encoding="utf-8")))
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


async def finished_draft(
    s: AsyncSession, world: World, settings: Settings, category: str, place: tuple[float, float],
    *, photos: int = 2, when: datetime = NOW,
) -> Draft:
    """A draft with a category, photos, an accepted place and words: ready to confirm."""
    draft = (await drafts.start_draft(s, world.reporter, "1001", when, settings.cases,
                                      restart=True)).draft
    cat = settings.category(category)
    assert cat is not None
    await drafts.set_category(s, draft, cat, when)
    for n in range(photos):
        await drafts.add_photo(s, draft, facts(n + 1), f"p{n}.jpg", when, settings.cases)
    draft.lat, draft.lon, draft.place_source = *place, PlaceSource.LOCATION  # as if accepted
    await drafts.set_description(s, draft, "pipe <b>discharging</b>", when, settings.cases)
    return draft


# ----- end to end, through the bot harness -----

def deps(h: TelegramHarness) -> Deps:
    """The running bot's settings, sessions and grid."""
    value = h.app.bot_data["deps"]
    assert isinstance(value, Deps)
    return value


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


def shown(h: TelegramHarness, user: SimUser) -> dict[str, Any]:
    """The reply keyboard the user's chat shows under the text field now."""
    keyboard: dict[str, Any] | None = h.emulator.users.private_chat(user.id).keyboard
    return keyboard or {}


def keyboard_labels(h: TelegramHarness, user: SimUser) -> list[str]:
    return [b if isinstance(b, str) else b["text"]
            for row in shown(h, user).get("keyboard", []) for b in row]
