"""GET /metrics scraped from the health server of the real bot: the updates a person's report
took, timed by step; the outbox by state as the database holds it; the sweep timed; every name
the README's Metrics section promises; a forged button cannot make new series without end."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from bot.runtime import HealthServer
from models import Outbox
from services.metrics import MAX_STEPS, Metrics, press_step
from tests.support.cases import person, report_a_case
from tests.support.harness import TelegramHarness
from tests.support.report_world import VILLAGE, deps

ROOT = Path(__file__).resolve().parents[2]
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture
async def health(bot_harness: TelegramHarness) -> AsyncIterator[HealthServer]:
    d = deps(bot_harness)
    server = HealthServer("127.0.0.1", 0, d.sessions, None, d.metrics)
    await server.start()
    yield server
    await server.stop()


async def scrape(server: HealthServer) -> Samples:
    async with aiohttp.ClientSession() as http, http.get(
            f"http://127.0.0.1:{server.port}/metrics") as answer:
        assert answer.status == 200
        assert answer.headers["Content-Type"].startswith("text/plain")
        body = await answer.text()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(body) for s in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_a_report_is_counted_and_timed_by_step_and_the_outbox_read_from_the_database(
    bot_harness: TelegramHarness, health: HealthServer,
) -> None:
    h = bot_harness
    await person(h, 5001, "Village manager", VILLAGE)
    before = await scrape(health)
    volunteer = await person(h, 7001, "Volunteer")
    await report_a_case(h, volunteer)
    after = await scrape(health)
    # /start, /report, category, photo, Done, place, Skip, severity, Send: nine updates
    handled = (value(after, "gridpatrol_updates_handled_total", channel="telegram")
               - value(before, "gridpatrol_updates_handled_total", channel="telegram"))
    assert handled == 9
    for step in ("command:/report", "press:r:c", "photo", "location", "press:r:ok"):
        assert value(after, "gridpatrol_reply_seconds_count", channel="telegram", step=step) >= 1
    async with deps(h).sessions() as session:
        pending = await session.scalar(select(func.count()).select_from(Outbox)
                                       .where(Outbox.state == "pending"))
    assert pending and value(after, "gridpatrol_outbox_notices", state="pending") == pending
    assert value(after, "gridpatrol_scheduler_lease_held") == 1  # alone: it runs the schedule


async def test_the_sweep_is_timed(bot_harness: TelegramHarness, health: HealthServer) -> None:
    await bot_harness.run_jobs(name="deadline-sweep")
    assert value(await scrape(health), "gridpatrol_sweep_seconds_count") == 1


def test_forged_buttons_cannot_grow_the_series_without_end() -> None:
    metrics = Metrics()
    for n in range(500):
        metrics.handled("telegram", press_step(f"x|{n}|{'abcdefghij'[n % 10] * (n % 7 + 1)}"),
                        0.01)
    steps = {labels["step"] for family in text_string_to_metric_families(
        metrics.exposition().decode()) for s in family.samples
        for labels in [s.labels] if "step" in labels}
    assert len(steps) <= MAX_STEPS + 1 and "other" in steps
    assert press_step("r|f449c9|c|garbage") == "press:r:c"
    assert press_step("c:12:accept:3") == "press:c:accept"


def test_every_metric_is_named_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Metrics", 1)[1].split("\n## ", 1)[0]
    names = {family.name for family in text_string_to_metric_families(
        Metrics().exposition().decode()) if not family.name.endswith("_created")}
    assert names and all(re.search(rf"`{name}(_total|_seconds)?`", section) for name in names)
