"""The drills: scripted people file reports and accept them while something goes wrong (the bot
is SIGKILLed, PostgreSQL restarts, Telegram fails one call in ten), then the ledger compares
what should be with what is."""

from __future__ import annotations

import asyncio
import random
import re
from collections import Counter
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drill import pgprivate
from drill.ledger import gather, settled
from drill.script import GaveUp, Manager, Reporter
from drill.verdict import Count, judge
from drill.world import MANAGER_ID, DrillEmulator, Stage, close_stage, open_stage
from sandbox.telegram.flood import FloodConfig

PG_DOWN = "PostgreSQL was restarting"

BLOCKER_ID = 5002  # a second village manager who blocked the bot
TOWNSHIP_ID = 5003  # the township's manager: hears nothing unless a notice is rerouted
FAULTABLE = frozenset({"sendMessage", "sendPhoto", "sendMediaGroup", "editMessageText",
                       "editMessageReplyMarkup", "editMessageCaption", "answerCallbackQuery",
                       "getFile"})
UNCERTAIN_GRACE = 45.0  # seconds the bot is given at the end to settle uncertain notices
Disturb = Callable[[Stage, "Run"], Coroutine[Any, Any, str]]


@dataclass
class Run:
    """Progress the disturbance may wait on."""

    reporters: list[Reporter]
    goal: int
    done: asyncio.Event
    manager: Manager | None = None

    @property
    def filed(self) -> int:
        return sum(len(r.filed) + r.filed_unknown for r in self.reporters)


class FaultyEmulator(DrillEmulator):
    """Fails `rate` of the notices the way Telegram and networks fail: 429 (retry after 1 s),
    500, or a timeout (the answer withheld past the client's 5 s read timeout; half of them
    took effect anyway). The conversation's own calls fail too, at a fifth of the rate and
    without timeouts (a timed-out reply holds every update behind it for 5 s, which would make
    the drill long without showing more)."""

    def __init__(self, rate: float, seed: int, notice_chats: set[int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rate = rate
        self.rng = random.Random(seed)
        self.notice_chats = notice_chats
        self.injected: Counter[str] = Counter()

    def _is_notice(self, method: str, params: Mapping[str, Any]) -> bool:
        if method not in ("sendMessage", "sendPhoto", "sendMediaGroup"):
            return False
        text = str(params.get("text") or params.get("caption") or "")
        return int(params.get("chat_id", 0)) in self.notice_chats or "was accepted by" in text

    async def call(self, token: str, method: str, params: Mapping[str, Any],
                   files: Mapping[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
        key = next((m for m in FAULTABLE if m.lower() == method.lower()), None)
        if self.rate and key is not None:
            notice = self._is_notice(key, params)
            kinds = ("retry_after", "server_error", "timeout") if notice else (
                "retry_after", "server_error")
            if self.rng.random() < (self.rate if notice else self.rate / 5):
                kind = self.rng.choice(kinds)
                delivered = kind == "timeout" and self.rng.random() < 0.5
                chat = self.chat_of(params)
                self.faults.add(kind, method=key, retry_after=1, delay=6.0,
                                delivered=delivered,  # aimed at this call's chat, when it names one
                                chat_id=chat if "chat_id" in params else None)
                where = "notice" if notice else "reply"
                self.injected[f"{kind}{' (delivered)' if delivered else ''} on a {where}"] += 1
                self.faults_to[chat] += 1
        return await super().call(token, method, params, files)


async def play(stage: Stage, reporters: int, each: int, disturb: Disturb | None,
               settle_timeout: float = 150.0, uncertain_grace: float = UNCERTAIN_GRACE,
               ) -> tuple[Run, str, list[str]]:
    """Register the people, file reports while `disturb` runs, then wait until every case is
    accepted and the outbox is empty (or the timeout passes)."""
    emu = stage.emulator
    people = []
    for n in range(reporters):
        uid = 9000 + n
        emu.users.create_user(f"Reporter {n}", user_id=uid, language_code="en")
        emu.users.private_chat(uid)
        people.append(Reporter(emu, uid, f"Reporter {n}"))
    manager = Manager(emu, MANAGER_ID, "Village manager")
    run = Run(people, reporters * each, asyncio.Event(), manager)
    stop_manager = asyncio.Event()
    problems: list[str] = []
    await stage.bot.start()
    manager_task = asyncio.create_task(manager.run(stop_manager))
    disturb_task = asyncio.create_task(disturb(stage, run)) if disturb else None

    async def file_all(person: Reporter, index: int) -> None:
        try:
            await person.register()
            for k in range(each):
                await person.file_report(seed=1000 + index * 100 + k)
        except GaveUp as exc:
            problems.append(str(exc))

    await asyncio.gather(*(file_all(p, i) for i, p in enumerate(people)))
    run.done.set()
    note = await disturb_task if disturb_task else ""
    if not stage.bot.alive():
        await stage.bot.start()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + settle_timeout
    grace: float | None = None  # when everything else settled: time given to uncertain ones
    state = (0, 0, 0, 0)
    while loop.time() < deadline:
        try:
            state = await settled(stage.db.url)
        except Exception:  # the database is still coming back: ask again
            state = (0, -1, -1, -1)
        # settled when every case is accepted, nothing is queued, the manager has answered
        # every alert in their chat, and no notice is left uncertain (the bot is given
        # `uncertain_grace` seconds to settle those once the rest is done)
        rest = state[0] >= run.filed and state[1] == 0 and state[2] == 0 \
            and not manager.open_alerts()
        if rest and state[3] == 0:
            break
        if rest:
            grace = loop.time() if grace is None else grace
            if loop.time() - grace > uncertain_grace:
                break
        await emu.state.wait_change(1.0)
    else:
        problems.append(f"not settled after {settle_timeout:.0f} s: cases, not accepted, "
                        f"notices waiting, uncertain = {state}")
    stop_manager.set()
    await manager_task
    retries = sum(p.retries for p in people) + manager.retries
    return run, f"{note}; people pressed again or re-asked {retries} times".strip("; "), \
        problems


async def _figures(stage: Stage, name: str, run: Run, note: str, problems: list[str],
                   blocked: tuple[int, ...] = (), watchers: tuple[int, ...] = ()) -> Count:
    people = [*run.reporters, *([run.manager] if run.manager else [])]
    facts = await gather(stage.db.url, stage.emulator, reports=run.goal,
                         reporters=[r.user_id for r in run.reporters],
                         managers=[MANAGER_ID, *blocked], blocked=blocked, watchers=watchers,
                         silences=[s for p in people for s in p.silences],
                         outages=stage.emulator.outages)
    facts.gave_up = problems
    facts.started_over = sum(r.stuck for r in run.reporters)
    result = judge(name, stage.db.kind, facts)
    result.notes.insert(0, note)
    if not result.ok:
        result.failures.extend(_logged(stage.bot.log_path, result.failures))
    sorry = sum(r.apologies for r in run.reporters)
    if sorry:
        result.notes.append(f"the bot apologised for {sorry} Send press(es) (\"Sorry ... try "
                            "again\"); the script pressed Send again rather than start over")
    return result


def _logged(log: Path, failures: list[str], shown: int = 30) -> list[str]:
    """What the bot logged of the notice rows a failure names, each line with the start of the
    bot it came from, for whoever looks into it after the drill's folder is gone (CI keeps only
    what is printed)."""
    rows = {n for why in failures for found in re.findall(r"rows \[([\d, ]+)\]", why)
            for n in found.replace(",", " ").split()}
    if not rows or not log.exists():
        return []
    wanted = re.compile(rf"outbox ({'|'.join(sorted(rows))})\b")
    start, kept = 0, []
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("=== start"):
            start += 1
        elif wanted.search(line):
            kept.append(f"bot log (start {start}): {line[:200]}")
    return kept[-shown:]


async def made_calls(stage: Stage, run: Run, count: int, bound: float = 60.0) -> None:
    """Wait until the bot (just started) has made `count` calls other than polling. A lifetime
    counted in the bot's own work, not in seconds: on a busy machine a start takes longer than
    a random second or so, and a bot killed before it could answer anyone would make the drill
    measure the machine, not the bot."""
    target = stage.emulator.sent + count
    loop = asyncio.get_running_loop()
    deadline = loop.time() + bound
    while stage.emulator.sent < target and not run.done.is_set() and loop.time() < deadline:
        await stage.emulator.state.wait_change(0.1)


async def kill_drill(kind: str, workdir: Path, reports: int = 50, seed: int = 7) -> Count:
    """SIGKILL the bot at random moments while 10 people file `reports` and a manager accepts
    them; restart it each time."""
    rng = random.Random(seed)

    async def killer(stage: Stage, run: Run) -> str:
        while not run.done.is_set():
            await made_calls(stage, run, rng.randint(5, 40))
            try:  # then a random moment (between calls, or in one), cut short at the end
                await asyncio.wait_for(run.done.wait(), rng.uniform(0.0, 0.5))
            except TimeoutError:
                pass
            else:
                break
            await stage.bot.kill()
            await stage.bot.start()
        return f"SIGKILLed {stage.bot.kills} times"

    stage = await open_stage(kind, workdir, f"kill-{kind}", [(MANAGER_ID, "Village manager")])
    try:
        run, note, problems = await play(stage, 10, reports // 10, killer)
        return await _figures(stage, "SIGKILL", run, note, problems)
    finally:
        await close_stage(stage)


async def pg_restart_drill(workdir: Path, reports: int = 20) -> Count | str:
    """Restart PostgreSQL twice while people file reports; a string says why it was skipped."""
    why_not = pgprivate.unavailable()
    if why_not:
        return why_not
    server = await pgprivate.PrivateServer.start()
    try:
        async def restarter(stage: Stage, run: Run) -> str:
            for share in (3, 2):  # after a third, then after half of the reports
                while run.filed < run.goal // share and not run.done.is_set():
                    await stage.emulator.state.wait_change(0.5)
                stage.emulator.outage_begins(PG_DOWN)
                try:
                    await server.restart()
                finally:
                    stage.emulator.outage_ends(PG_DOWN)
            return f"PostgreSQL restarted {server.restarts} times"

        stage = await open_stage("postgresql", workdir, "pgrestart",
                                 [(MANAGER_ID, "Village manager")], admin_url=server.admin_url)
        try:
            run, note, problems = await play(stage, 5, reports // 5, restarter)
            return await _figures(stage, "PostgreSQL restart", run, note, problems)
        finally:
            await close_stage(stage)
    finally:
        await server.stop()


async def fault_drill(kind: str, workdir: Path, reports: int = 20, rate: float = 0.10,
                      seed: int = 11) -> Count:
    """One call in ten fails (429, 500, timeout), and one of the two village managers has
    blocked the bot (every send to them is a 403)."""
    emulator = FaultyEmulator(0.0, seed, {MANAGER_ID, BLOCKER_ID, TOWNSHIP_ID},
                              flood=FloodConfig(enabled=False))
    people = [(MANAGER_ID, "Village manager"), (BLOCKER_ID, "Blocking manager")]
    stage = await open_stage(kind, workdir, f"faults-{kind}", people, emulator=emulator,
                             township=[(TOWNSHIP_ID, "Township manager")])
    stage.emulator.users.block_bot(BLOCKER_ID)
    stage.emulator.take_updates()  # the bot was not running when they blocked it

    async def faults(stage: Stage, run: Run) -> str:
        emulator.rate = rate  # from the first report to the last notice
        return ""

    try:
        run, note, problems = await play(stage, 5, reports // 5, faults)
        emulator.rate = 0.0
        note = "injected " + ", ".join(
            f"{k}: {n}" for k, n in sorted(emulator.injected.items())) + "; " + note
        return await _figures(stage, "faults 10%", run, note, problems, blocked=(BLOCKER_ID,),
                              watchers=(TOWNSHIP_ID,))
    finally:
        await close_stage(stage)
