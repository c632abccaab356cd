"""End to end through the sandbox: the real bot (`gridpatrol run`, its own process) filing
reports that scripted people send over the emulator, on SQLite and on PostgreSQL.

ours: reports per second, each a simplified report (/report, category, one small photo, Done,
location, Skip, severity, Send: eight updates, about fifteen Bot API calls), twenty people at
once; and the bot process's resident memory after many reports.
baseline: the same sandbox and the same eight round trips per "report" answered by PTB's echo
bot (sandbox/telegram/echo.py) in its own process: what the sandbox, HTTP and PTB cost alone.

Nobody manages the reports' village here, so no alert notices are queued: this measures the
intake, not the outbox (which Telegram's ~30 messages/s bounds anyway).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import Figure
from drill.script import Reporter
from drill.world import (
    PLACE,
    ROOT,
    BotProcess,
    DrillEmulator,
    close_stage,
    die_with_parent,
    open_stage,
    pg_available,
)
from sandbox.telegram.flood import FloodConfig

PEOPLE = 20
RSS_REPORTS = int(os.environ.get("GRIDPATROL_BENCH_RSS_REPORTS", "1500"))
RATE_REPORTS = 300
RSS_GOAL_MB = 200.0
TELEGRAM_BOUND = 30.0  # messages a second per bot, Telegram's own limit
ECHO_BOT = """
import sys
from telegram.ext import ApplicationBuilder
from sandbox.telegram.echo import add_echo_handlers
app = (ApplicationBuilder().token(sys.argv[1]).base_url(sys.argv[2])
       .base_file_url(sys.argv[3]).build())
add_echo_handlers(app)
app.run_polling()
"""


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _file(people: list[Reporter], total: int, start: int) -> float:
    """File `total` reports with everyone at once; seconds taken."""
    per = total // len(people)
    began = time.perf_counter()

    async def one(person: Reporter, index: int) -> None:
        for k in range(per):
            await person.file_report(seed=start + index * per + k)

    await asyncio.gather(*(one(p, i) for i, p in enumerate(people)))
    return time.perf_counter() - began


async def _ours(kind: str, workdir: Path, reports_for_rss: int) -> tuple[
        float, list[tuple[int, float]], float]:
    """(reports per second, [(reports filed, RSS MB)], Bot API calls per report)."""
    stage = await open_stage(kind, workdir, f"e2e-{kind}", [],
                             cases={"reports_per_hour": 10_000_000, "duplicate_window": "1s",
                                    "duplicate_radius_m": 0.001,
                                    "duplicate_phash_distance": -1})
    try:
        await stage.bot.start()
        people = _people(stage.emulator, 9000)
        for person in people:
            await person.register()
        await _file(people, PEOPLE * 2, 0)  # warm up
        calls = stage.emulator.sent
        seconds = await _file(people, RATE_REPORTS, 10_000)
        rate = RATE_REPORTS / seconds
        per_report = (stage.emulator.sent - calls) / RATE_REPORTS
        curve = [(PEOPLE * 2 + RATE_REPORTS, rss_mb(stage.bot.pid))]
        filed = curve[0][0]
        step = max(reports_for_rss // 4, PEOPLE)
        while filed < reports_for_rss:
            await _file(people, step, 100_000 + filed)
            filed += step
            curve.append((filed, rss_mb(stage.bot.pid)))
        return rate, curve, per_report
    finally:
        await close_stage(stage)


def _people(emulator: DrillEmulator, first_id: int) -> list[Reporter]:
    people = []
    for n in range(PEOPLE):
        uid = first_id + n
        emulator.users.create_user(f"Bench {n}", user_id=uid, language_code="en")
        emulator.users.private_chat(uid)
        # a few metres apart, so no report is offered as another's duplicate
        people.append(Reporter(emulator, uid, f"Bench {n}", answer_timeout=30.0,
                               place=(PLACE[0] + n * 2e-5, PLACE[1])))
    return people


async def _baseline(workdir: Path) -> float:
    """'Reports' per second of eight echo round trips each, twenty people at once."""
    from sandbox.server import SandboxServer

    emulator = DrillEmulator(flood=FloodConfig(enabled=False))  # as for ours
    server = SandboxServer(emulator, "127.0.0.1", 0)
    await server.start()
    log = workdir / "echo.log"
    bot = BotProcess(workdir / "unused.toml", log, emulator, "")
    env = {**os.environ, "PTB_TIMEDELTA": "1"}
    polls = emulator.polls
    with log.open("ab") as out:
        bot.proc = subprocess.Popen(  # noqa: ASYNC220 (a driver; it takes a millisecond)
            [sys.executable, "-c", ECHO_BOT, emulator.token, server.api_base_url,
             server.file_base_url], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent)
    try:
        while emulator.polls == polls:
            await emulator.state.wait_change(0.2)
        people = _people(emulator, 8000)

        async def rounds(person: Reporter, count: int) -> None:
            for n in range(count * 8):
                since = person.mark()[0]
                emulator.users.send_text(person.user_id, f"step {n}")
                await person.wait_for(
                    lambda since=since: person.mark()[0] > since,  # type: ignore[misc]
                    30.0)

        await asyncio.gather(*(rounds(p, 2) for p in people))
        began = time.perf_counter()
        await asyncio.gather(*(rounds(p, RATE_REPORTS // PEOPLE) for p in people))
        return RATE_REPORTS / (time.perf_counter() - began)
    finally:
        await bot.stop()
        await server.stop()


def _extrapolate(curve: list[tuple[int, float]], target: int) -> float:
    """RSS at `target` reports, from the growth over the second half of the curve."""
    (n0, m0), (n1, m1) = curve[len(curve) // 2], curve[-1]
    slope = (m1 - m0) / (n1 - n0) if n1 > n0 else 0.0
    return m1 + max(slope, 0.0) * (target - n1)


def run() -> list[Figure]:
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="bench-e2e-") as tmp:
        work = Path(tmp)
        echo_rate = asyncio.run(_baseline(work))
        kinds = ["sqlite"] + ([] if pg_available() else ["postgresql"])
        results: dict[str, Any] = {}
        for kind in kinds:
            results[kind] = asyncio.run(_ours(kind, work, RSS_REPORTS if kind == "sqlite"
                                              else RATE_REPORTS + PEOPLE * 2))
    for kind, (rate, _curve, per_report) in results.items():
        figures.append(Figure(
            name=f"e2e: reports/s through the sandbox ({kind})", ours=rate, baseline=echo_rate,
            unit="rep/s", goal=0.05, kind="rate",
            note=f"{PEOPLE} people at once, 8 updates and {per_report:.0f} Bot API calls "
                 f"per report: {rate * 8:.0f} updates/s in, {rate * per_report:.0f} calls/s "
                 f"out (Telegram allows ~{TELEGRAM_BOUND:.0f} messages/s per bot); baseline: "
                 f"the same round trips answered by PTB's echo bot ({echo_rate * 8:.0f} "
                 "updates/s); goal: within 20x of that floor"))
    curve = results["sqlite"][1]
    at_10k = _extrapolate(curve, 10_000)
    minutes = 10_000 / results["sqlite"][0] / 60
    measured = ", ".join(f"{n}: {mb:.0f} MB" for n, mb in curve)
    figures.append(Figure(
        name="e2e: bot RSS after 10,000 reports (SQLite)", ours=at_10k, baseline=RSS_GOAL_MB,
        unit="MB", goal=1.0, kind="cost",
        note=(f"measured after {measured}" + ("" if curve[-1][0] >= 10_000 else
              f"; extrapolated linearly from the last half to 10,000 (set "
              f"GRIDPATROL_BENCH_RSS_REPORTS=10000 to measure it: ~{minutes:.0f} min)"))))
    return figures
