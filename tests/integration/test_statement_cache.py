"""Memory that stays flat: every statement the bot runs is compiled once and then reused.

A statement built with a fresh alias or a fresh parameter name on every call is a new entry in
SQLAlchemy's compiled cache each time: the bot's memory then grew with every report (issue 7).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from services.settings import Settings
from tests.support.cases import person, report_a_case, send_outbox
from tests.support.harness import TelegramHarness
from tests.support.report_world import IN_GRADE1, VILLAGE, with_button
from tests.support.settings import make_settings


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    # one place, many reports: none is offered as another's duplicate
    return make_settings(db_url, tmp_path, cases={
        "duplicate_window": "1s", "duplicate_radius_m": 0.001, "duplicate_phash_distance": -1,
        "reports_per_hour": 1000}, limits={"user_updates": 1_000_000})


def compiled(h: TelegramHarness) -> int:
    engine = h.app.bot_data["deps"].sessions.kw["bind"].sync_engine
    cache: Any = engine._compiled_cache  # SQLAlchemy's LRU of compiled statements
    return len(cache)


async def test_more_reports_compile_no_new_statements(bot_harness: TelegramHarness) -> None:
    h = bot_harness
    manager = await person(h, 5001, "Village manager", VILLAGE)
    volunteer = await person(h, 6001, "Volunteer")

    async def one_round(n: int) -> None:
        # metres apart, so no report is offered as another's duplicate
        await report_a_case(h, volunteer, seed=n, place=(IN_GRADE1[0] + n * 1e-5, IN_GRADE1[1]))
        await send_outbox(h)
        await h.press(manager, with_button(h, manager, "Accept"), "Accept")
        await send_outbox(h)

    for n in range(3):  # every path taken once: its statements are compiled and cached
        await one_round(n)
    warmed = compiled(h)
    for n in range(3, 8):
        await one_round(n)
    assert compiled(h) == warmed

