"""The SIGKILL drill with WeCom people: members of the WeCom stand-in file reports through the
bot's callback while the bot is killed at random moments and started again; the village
manager on Telegram accepts every alert. WeCom posts a message again when it was not taken,
so the bot's inbox must make one report of each, and each reporter must hear on WeCom, once,
that their case was accepted (a marked repeat is no copy)."""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import socket
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

from drill.script import Manager
from drill.verdict import Count
from drill.wecom import WeComPerson, words
from drill.world import MANAGER_ID, PLACE, Stage, close_stage, open_stage
from models import Case, Member, Outbox, OutboxState
from models.db import make_engine, make_session_factory
from sandbox.wecom import App, WeComState

CORP, AGENT, TOKEN, SECRET = "ww0drill0000000001", 1000002, "drill-token", "drill-secret"
AES = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
ACCEPTED = re.compile(r"([A-Z]+-\d{4}-\d+) 已由")
REPEAT = "重发"


APP = App(CORP, AGENT, TOKEN, AES)


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def wecom_stage(kind: str, workdir: Path, name: str, state: WeComState
                      ) -> tuple[Stage, str]:
    """The bot with its WeCom app on `state`, the village manager on Telegram; the callback's
    URL."""
    port = _port()
    stage = await open_stage(
        kind, workdir, name, [(MANAGER_ID, "Village manager")],
        wecom_state=state, wecom={"corp_id": CORP, "agent_id": AGENT, "token": TOKEN,
                                  "secret": SECRET, "encoding_aes_key": AES, "port": port},
        # reports a few metres apart are not offered as each other's duplicates here
        cases={"reports_per_hour": 100_000, "duplicate_radius_m": 0.001,
               "duplicate_window": "1s", "duplicate_phash_distance": -1})
    return stage, f"http://127.0.0.1:{port}/wecom/callback"


async def wecom_kill_drill(kind: str, workdir: Path, reporters: int = 6, each: int = 1,
                           seed: int = 11) -> Count:
    """`reporters` WeCom members file `each` reports (a report is about fifteen messages to
    its reporter, so one a minute stays under WeCom's 30 without waiting for the pace)."""
    rng = random.Random(seed)
    state = WeComState(corp_id=CORP, secret=SECRET, agent_id=AGENT)
    stage, url = await wecom_stage(kind, workdir, f"wecom-kill-{kind}", state)
    count = Count("SIGKILL, WeCom people", kind)
    try:
        await stage.bot.start()
        people = [WeComPerson(state, APP, url, f"WeComReporter{n}", enduring=True,
                              timeout=90.0) for n in range(reporters)]
        manager = Manager(stage.emulator, MANAGER_ID, "Village manager")
        stop = asyncio.Event()
        manager_task = asyncio.create_task(manager.run(stop))
        filed: dict[str, list[str]] = {p.user: [] for p in people}
        done = asyncio.Event()

        progress = asyncio.Event()
        state.watchers.append(lambda *_: progress.set())

        async def killer() -> None:
            while not done.is_set():
                goal = len(state.messages) + rng.randint(8, 30)
                while len(state.messages) < goal and not done.is_set():  # the bot's own work
                    progress.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(progress.wait(), 1.0)
                if done.is_set():
                    return
                await asyncio.sleep(rng.uniform(0.0, 0.4))
                await stage.bot.kill()
                await stage.bot.start()

        async def file_all(person: WeComPerson, index: int) -> None:
            await person.say("/start", "欢迎")
            for k in range(each):
                place = (PLACE[0] + index * 3e-4, PLACE[1] + k * 3e-4)
                filed[person.user].append(await person.file_report(5000 + index * 10 + k,
                                                                   place))

        kill_task = asyncio.create_task(killer())
        problems: list[str] = []
        results = await asyncio.gather(*(file_all(p, i) for i, p in enumerate(people)),
                                       return_exceptions=True)
        problems += [str(r) for r in results if isinstance(r, BaseException)]
        done.set()
        await kill_task
        if not stage.bot.alive():
            await stage.bot.start()
        told = await settle(stage.db.url, state, people, reporters * each)
        stop.set()
        await manager_task
        dropped = Counter(m.user for m in state.messages if m.dropped)
        count.notes.append(f"SIGKILLed {stage.bot.kills} times; WeCom posted again "
                           f"{sum(p.reposts for p in people)} messages the dead bot did not take"
                           + (f"; WeCom dropped, over 30 a minute: {dict(dropped)}"
                              if dropped else ""))
        await judge(count, stage.db.url, people, filed, told, reporters * each)
        count.fail(problems)
    finally:
        await close_stage(stage)
    return count


async def _facts(url: str) -> tuple[dict[str, tuple[str, str]], int]:
    """{case number: (reporter's UserID, state)} of WeCom reporters' cases; unsettled notices."""
    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as s:
            rows = (await s.execute(sa.select(Case.number, Member.platform_user_id, Case.state)
                                    .join(Member, Member.id == Case.reporter_id)
                                    .where(Member.platform == "wecom"))).all()
            unsettled = await s.scalar(sa.select(sa.func.count()).select_from(Outbox).where(
                Outbox.state.in_([OutboxState.PENDING, OutboxState.SENDING,
                                  OutboxState.UNCERTAIN]))) or 0
    finally:
        await engine.dispose()
    return {n: (u, st) for n, u, st in rows}, int(unsettled)


def _told(state: WeComState, people: list[WeComPerson]) -> Counter[str]:
    """How many 'accepted' messages each case's reporter got on WeCom, a marked repeat counted
    only where it is the one that arrived (it says the first one may not have: no copy)."""
    plain: Counter[str] = Counter()
    repeats: set[str] = set()
    for person in people:
        for message in person.inbox():
            text = words([message])
            found = ACCEPTED.search(text)
            if found and REPEAT in text:
                repeats.add(found.group(1))
            elif found:
                plain[found.group(1)] += 1
    return plain + Counter(n for n in repeats if n not in plain)


async def settle(url: str, state: WeComState, people: list[WeComPerson], goal: int,
                  bound: float = 150.0) -> Counter[str]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + bound
    while loop.time() < deadline:
        cases, unsettled = await _facts(url)
        heard = _told(state, people)
        if len(cases) >= goal and unsettled == 0 and all(
                st == "accepted" for _, st in cases.values()) and len(heard) >= len(cases):
            break
        await asyncio.sleep(0.5)
    return _told(state, people)


async def judge(count: Count, url: str, people: list[WeComPerson],
                 filed: dict[str, list[str]], heard: Counter[str], goal: int) -> None:
    cases, unsettled = await _facts(url)
    per_reporter = Counter(user for user, _ in cases.values())
    extra = sum(max(per_reporter[p.user] - len(filed[p.user]), 0) for p in people)
    count.add("WeCom reports, one case each", goal, len(cases) - extra, duplicated=extra)
    accepted = sum(1 for _, st in cases.values() if st == "accepted")
    count.add("their alerts accepted on Telegram", len(cases), accepted)
    once = sum(1 for n in cases if heard[n] >= 1)
    copies = sum(c - 1 for c in heard.values() if c > 1)
    count.add("reporters told on WeCom", len(cases), once, duplicated=copies)
    count.add("notices left unsettled", 0, unsettled, lost=0, duplicated=unsettled)
    lost = [n for n in cases if heard[n] == 0]
    if lost:
        count.fail([f"{cases[n][0]} never heard on WeCom that {n} was accepted" for n in lost])
    if extra:
        count.fail([f"{u} has {per_reporter[u]} cases for {len(filed[u])} reports filed"
                    for u in per_reporter if per_reporter[u] > len(filed[u])])
