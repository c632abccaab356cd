"""The fault drill with WeCom people: while WeCom members file reports through the bot's
callback, the WeCom stand-in fails a share of the bot's calls the ways WeCom and networks fail
(busy, over its rate, a 502, an answer that never comes or a dropped connection, half of those
after the message went) and ends the app's token early now and then. The village manager on
Telegram accepts every alert. Nothing may be lost or doubled: one case per report, each
reporter told once on WeCom that it was accepted, no notice left unsettled."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from drill.script import Manager
from drill.verdict import Count
from drill.wecom import WeComPerson
from drill.wecom_drill import AGENT, APP, CORP, SECRET, judge, settle, wecom_stage
from drill.wecom_steady import SteadyReporter, Tally
from drill.world import MANAGER_ID, PLACE, close_stage
from sandbox.wecom import WeComState
from sandbox.wecom.faults import Fault

FAULTED = ("message/send", "media/upload", "media/get")
KINDS = ("busy", "busy", "server_error", "server_error", "disconnect", "disconnect", "timeout",
         "rate_limited")


@dataclass
class FaultyWeCom(WeComState):
    """WeCom failing `rate` of the calls to FAULTED at random, besides the faults set."""

    rate: float = 0.0
    rng: random.Random = field(default_factory=lambda: random.Random(11))
    injected: Counter[str] = field(default_factory=Counter)

    def take_fault(self, path: str, users: list[str]) -> Fault | None:
        chosen = super().take_fault(path, users)
        if chosen is not None or path not in FAULTED or self.rng.random() >= self.rate:
            return chosen
        kind = self.rng.choice(KINDS)
        delivered = kind in ("timeout", "disconnect") and self.rng.random() < 0.5
        self.injected[f"{kind}{' (delivered)' if delivered else ''} on {path}"] += 1
        self.faults_fired.append((path, kind))
        return Fault(kind, delay=11.0, delivered=delivered)  # past the bot's 10 s read timeout


async def wecom_fault_drill(kind: str, workdir: Path, reporters: int = 6, rate: float = 0.08,
                            seed: int = 11) -> Count:
    """`reporters` WeCom members file a report each while `rate` of the bot's WeCom calls
    fail; every few seconds WeCom ends the app's token early."""
    state = FaultyWeCom(corp_id=CORP, secret=SECRET, agent_id=AGENT,
                        rng=random.Random(seed))
    stage, url = await wecom_stage(kind, workdir, f"wecom-faults-{kind}", state)
    count = Count(f"faults {rate:.0%}, WeCom people", kind)
    try:
        await stage.bot.start()
        people = [WeComPerson(state, APP, url, f"WeComReporter{n}", enduring=True)
                  for n in range(reporters)]
        tally = Tally()
        manager = Manager(stage.emulator, MANAGER_ID, "Village manager")
        stop = asyncio.Event()
        manager_task = asyncio.create_task(manager.run(stop))
        filed: dict[str, list[str]] = {p.user: [] for p in people}

        async def file(person: WeComPerson, index: int) -> None:
            await person.say("/start", "欢迎")
            place = (PLACE[0] + index * 3e-4, PLACE[1])
            filed[person.user].append(
                await SteadyReporter(person, tally).file_report(6000 + index, place))

        async def tokens_end_early() -> None:
            while True:
                await asyncio.sleep(4.0)
                state.expire_tokens()

        state.rate = rate
        expiring = asyncio.create_task(tokens_end_early())
        results = await asyncio.gather(*(file(p, i) for i, p in enumerate(people)),
                                       return_exceptions=True)
        problems = [str(r) for r in results if isinstance(r, BaseException)]
        told = await settle(stage.db.url, state, people, reporters, bound=240.0)
        state.rate = 0.0
        expiring.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await expiring
        stop.set()
        await manager_task
        count.notes.append(
            "injected " + ", ".join(f"{k}: {n}" for k, n in sorted(state.injected.items()))
            + f"; tokens fetched again {state.tokens_issued - 1} times; reporters were told "
              f"sorry {tally.sorries} times, heard nothing {tally.silences} times and found "
              f"their draft with /report {tally.resumes} times")
        await judge(count, stage.db.url, people, filed, told, reporters)
        count.fail(problems)
        if not count.ok:
            count.notes += [f"{user} was asked: " + " → ".join(steps)
                            for user, steps in tally.steps.items()]
    finally:
        await close_stage(stage)
    return count
