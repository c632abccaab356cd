"""The deadline sweep over 1,000,000 cases, 1% of them due, against the bare indexed SELECT of
the due rows (SQLite file database, the bot's own async engine for both)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from sqlalchemy import select, text

from bench.common import Figure
from bench.deadline_world import NOW, _ts, working_copy
from bot.config import load_settings
from models import Case
from models.db import make_engine, make_session_factory
from services.deadlines import BATCH_SIZE, DUE_COLUMNS, plan_batch, sweep

ROOT = Path(__file__).resolve().parent.parent
CASES = 1_000_000
REPEAT = 5


def _settings(url: str):  # type: ignore[no-untyped-def]
    def edit(data: dict) -> None:  # type: ignore[type-arg]
        data.setdefault("database", {})["url"] = url

    return load_settings(ROOT / "config.toml", overrides=edit)


async def _measure(path: Path) -> tuple[float, float, float, int, int]:
    url = f"sqlite:///{path}"
    settings = _settings(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    now = NOW

    async def bare() -> int:
        async with engine.connect() as conn:
            rows = (await conn.execute(text('SELECT * FROM "case" WHERE next_alarm_at <= :now'),
                                       {"now": _ts(now)})).all()
        return len(rows)

    fractions = tuple(sorted(settings.deadlines.reminders_at))

    async def ours_select() -> int:
        """The sweep's selection and planning, batch by batch, without the writes (which
        would move the rows): `due_rows` walks the alarm index, `plan` decides each row."""
        async with sessions() as session:
            found = 0
            after = None
            while True:
                stmt = select(*DUE_COLUMNS, Case.next_alarm_at).where(Case.next_alarm_at <= now)
                if after is not None:
                    stmt = stmt.where(Case.next_alarm_at > after)
                batch = (await session.execute(
                    stmt.order_by(Case.next_alarm_at).limit(BATCH_SIZE))).all()
                if not batch:
                    return found
                steps = [plan_batch(row, fractions, now) for row in batch]
                found += len(steps)
                after = batch[-1].next_alarm_at

    async def best(fn) -> float:  # type: ignore[no-untyped-def]
        times = []
        for _ in range(REPEAT):
            start = time.perf_counter()
            await fn()
            times.append(time.perf_counter() - start)
        return min(times)

    due = await bare()
    assert due == await ours_select(), "the sweep's selection must see the same rows"
    baseline = await best(bare)
    selection = await best(ours_select)
    start = time.perf_counter()
    report = await sweep(sessions, settings, now)
    full = time.perf_counter() - start
    left = await bare()
    await engine.dispose()
    assert report.examined == due and left == 0, (report, left)
    return baseline, selection, full, due, report.reminders + report.escalations


def run() -> list[Figure]:
    path, built = working_copy(CASES, "sweep")
    baseline, selection, full, due, acted = asyncio.run(_measure(path))
    setup = f" (world built in {built:.0f} s, cached for the next run)" if built else ""
    return [
        Figure(
            name=f"sweep: select and plan {due:,} due of {CASES:,} cases",
            ours=selection * 1000,
            baseline=baseline * 1000,
            unit="ms",
            goal=2.0,
            note=f"baseline: bare indexed SELECT * of the due rows{setup}",
        ),
        Figure(
            name=f"sweep: the whole sweep of {due:,} due cases",
            ours=full * 1000,
            baseline=baseline * 1000,
            unit="ms",
            goal=10.0,
            note=(
                f"remind or escalate each due case (notices, events, case updates, set-wise, "
                f"one commit per batch of {BATCH_SIZE:,}): {acted:,} reminders and escalations, "
                f"{due / full:,.0f} cases/s; baseline: the bare indexed SELECT * of the due rows"
            ),
        ),
    ]

if __name__ == "__main__":
    for figure in run():
        print(figure, figure.ratio)
