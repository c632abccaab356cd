"""Reply latency under a crowd at a human pace: the real bot (`gridpatrol run`, its own process)
answering reporters who file reports one after another, thinking a few seconds before each
step, through the sandbox with Telegram's flood limits on; on SQLite and PostgreSQL.

ours: p50 / p95 / p99 of the wait from a step sent (a command, a press, a photo, a place) to the
bot's next question, with 100 and with 300 reporters (about 12 and 29 steps a second in all);
and the calls the sandbox refused with 429 (past Telegram's limits), and the steps that were
never answered.
baseline: PTB's echo bot in its own process under the same people and pace (each step a text
it echoes): what the sandbox, HTTP, PTB and this driver cost alone. The goal is the issue's
absolute bound (p99 under 150 ms at 100 reporters, under 300 ms at 300), shown as a ratio of
the baseline measured in the same run.
"""

# A driver, not the bot: a blocking call of a millisecond here delays nobody.
# ruff: noqa: ASYNC220

from __future__ import annotations

import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_e2e import ECHO_BOT
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

CROWDS = {100: 0.150, 300: 0.300}  # reporters -> the p99 they must be answered within
STEPS_PER_SECOND = {100: 12.0, 300: 29.0}  # the measured human pace, in all
MEASURE_SECONDS = float(os.environ.get("GRIDPATROL_BENCH_LATENCY_SECONDS", "60"))
WARM_SECONDS = 10.0  # steps in the first seconds (everyone starting at once) are not counted


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def _pace(people: int, rng: random.Random) -> float:
    """Seconds one person thinks before a step, so that all of them together send
    STEPS_PER_SECOND[people] (a person's own wait for the answer is small beside it)."""
    mean = people / STEPS_PER_SECOND[people]
    return rng.uniform(0.5, 1.5) * mean


def _people(emulator: DrillEmulator, count: int, first_id: int, rng: random.Random
            ) -> list[Reporter]:
    people = []
    for n in range(count):
        uid = first_id + n
        emulator.users.create_user(f"Crowd {n}", user_id=uid, language_code="en")
        emulator.users.private_chat(uid)
        people.append(Reporter(emulator, uid, f"Crowd {n}", answer_timeout=30.0,
                               place=(PLACE[0] + (n % 50) * 2e-5, PLACE[1] + (n // 50) * 2e-5),
                               pace=lambda count=count: _pace(count, rng)))  # type: ignore[misc]
    return people


async def _crowd(people: list[Reporter], seconds: float) -> tuple[list[float], int]:
    """Everyone files reports until `seconds` have passed; (latencies after the warm-up,
    steps never answered)."""
    stop = time.monotonic() + WARM_SECONDS + seconds
    counted_from = time.monotonic() + WARM_SECONDS
    stamps: list[tuple[float, float]] = []

    async def one(person: Reporter, index: int) -> None:
        seed = index * 1000
        while time.monotonic() < stop:
            before = len(person.latencies)
            await person.file_report(seed=seed)
            seed += 1
            now = time.monotonic()
            stamps.extend((now, latency) for latency in person.latencies[before:])

    await asyncio.gather(*(one(p, i) for i, p in enumerate(people)))
    unanswered = sum(len(p.silences) for p in people)
    return [latency for at, latency in stamps if at >= counted_from], unanswered


SENDS = ("sendMessage", "sendPhoto", "sendMediaGroup", "sendDocument", "sendLocation")


async def _ours(kind: str, workdir: Path, count: int) -> tuple[list[float], int, int, float]:
    """(latencies, 429s the sandbox answered, steps unanswered, new messages the bot sent a
    second: what Telegram's ~30 a second bounds)."""
    rng = random.Random(count)
    emulator = DrillEmulator(flood=FloodConfig(enabled=True))
    stage = await open_stage(kind, workdir, f"latency-{kind}-{count}", [], emulator=emulator,
                             cases={"reports_per_hour": 10_000_000, "duplicate_window": "1s",
                                    "duplicate_radius_m": 0.001,
                                    "duplicate_phash_distance": -1})
    try:
        await stage.bot.start()
        people = _people(stage.emulator, count, 20_000, rng)
        await asyncio.gather(*(p.register() for p in people))
        refused = stage.emulator.flood_refused
        sends = sum(stage.emulator.by_method[m] for m in SENDS)
        started = time.monotonic()
        latencies, unanswered = await _crowd(people, MEASURE_SECONDS)
        sent = sum(stage.emulator.by_method[m] for m in SENDS) - sends
        rate = sent / (time.monotonic() - started)
        return latencies, stage.emulator.flood_refused - refused, unanswered, rate
    finally:
        await close_stage(stage)


async def _baseline(workdir: Path, count: int) -> list[float]:
    """PTB's echo bot: each person sends a text at the same pace and waits for its echo."""
    from sandbox.server import SandboxServer

    rng = random.Random(count)
    emulator = DrillEmulator(flood=FloodConfig(enabled=True))
    server = SandboxServer(emulator, "127.0.0.1", 0)
    await server.start()
    log = workdir / f"echo-{count}.log"
    bot = BotProcess(workdir / "unused.toml", log, emulator, "")
    polls = emulator.polls
    with log.open("ab") as out:
        bot.proc = subprocess.Popen(
            [sys.executable, "-c", ECHO_BOT, emulator.token, server.api_base_url,
             server.file_base_url], cwd=ROOT, env={**os.environ, "PTB_TIMEDELTA": "1"},
            stdout=out, stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
    try:
        while emulator.polls == polls:
            await emulator.state.wait_change(0.2)
        people = _people(emulator, count, 30_000, rng)
        stop = time.monotonic() + WARM_SECONDS + MEASURE_SECONDS
        counted_from = time.monotonic() + WARM_SECONDS
        samples: list[float] = []

        async def one(person: Reporter) -> None:
            n = 0
            while time.monotonic() < stop:
                await asyncio.sleep(_pace(count, rng))
                since = person.mark()[0]
                sent = time.monotonic()
                emulator.users.send_text(person.user_id, f"step {n}")
                if await person.wait_for(lambda since=since: person.mark()[0] > since,  # type: ignore[misc]
                                         30.0) and sent >= counted_from:
                    samples.append(time.monotonic() - sent)
                n += 1

        await asyncio.gather(*(one(p) for p in people))
        return samples
    finally:
        await bot.stop()
        await server.stop()


def run() -> list[Figure]:
    figures: list[Figure] = []
    kinds = ["sqlite"] + ([] if pg_available() else ["postgresql"])
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as tmp:
        work = Path(tmp)
        for count, bound in CROWDS.items():
            echo = percentiles(asyncio.run(_baseline(work, count)))
            for kind in kinds:
                latencies, refused, unanswered, rate = asyncio.run(_ours(kind, work, count))
                p50, p95, p99 = percentiles(latencies)
                figures.append(Figure(
                    name=f"latency: p99 reply, {count} reporters ({kind})", ours=p99 * 1000,
                    baseline=echo[2] * 1000, unit="ms", goal=bound / echo[2], kind="cost",
                    note=(f"{len(latencies)} steps at ~{STEPS_PER_SECOND[count]:.0f}/s: p50 "
                          f"{p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms;"
                          f" echo bot p50 {echo[0] * 1000:.0f} / p95 {echo[1] * 1000:.0f} / p99 "
                          f"{echo[2] * 1000:.0f} ms; the bot sent {rate:.1f} new messages a "
                          f"second; 429s from the sandbox: {refused}; steps "
                          f"never answered: {unanswered}; goal: p99 under {bound * 1000:.0f} ms "
                          f"(the ratio's goal is that bound over the echo bot's p99)")))
    return figures
