"""Exactly once, with real processes: a bot killed (SIGKILL) in the middle of a burst and
started again delivers every notice once (a send that may have arrived, once more under the
repeat line, and never a third time), and two senders on PostgreSQL share a burst without
a double. The bot runs as its own process against the sandbox over HTTP, flood limits on."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from models import Outbox, OutboxState
from models.db import SessionFactory, is_sqlite
from sandbox.server import SandboxServer
from sandbox.telegram.emulator import BotApiEmulator, FileArg
from services.i18n import translator
from services.notices.queue import queue
from services.notices.rules import REPEAT_LINE
from tests.support.busy import busy_cores
from tests.support.gated_notices import Note

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "7000000001:SANDBOX-exactly-once"
NOTICE = re.compile(r"^\[zh_CN\] notice (\d+)$")
REPEAT = translator("zh_CN")(REPEAT_LINE) + "\n"
STOPS = 3  # graceful stops in one burst
SETTLE_WITHIN = 180.0  # seconds: a deadline against hanging, not a measured speed

# The bot as `gridpatrol run` builds it, plus the test renderer, on the sandbox's URLs.
WORKER = """
import logging, os, sys
from pathlib import Path
sys.path.insert(0, os.environ["ROOT"])
os.environ.setdefault("PTB_TIMEDELTA", "1")
from tests.support.gated_notices import TEST_RENDERERS
from telegram import Update
from bot.telegram.app import build_application
from bot.config import load_settings
from models.db import make_engine, make_session_factory

def edit(data):
    data.setdefault("database", {})["url"] = os.environ["DB"]
    data.setdefault("storage", {})["photos_dir"] = os.environ["PHOTOS"]
    data.setdefault("telegram", {}).update(
        token=os.environ["TOKEN"], api_base_url=os.environ["API"],
        file_base_url=os.environ["FILES"])
    data.setdefault("schedule", {})["outbox_interval"] = "1s"
    data.setdefault("outbox", {})["repeat_after"] = "1s"

settings = load_settings(Path(os.environ["ROOT"]) / "config.toml", overrides=edit)
logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
lease = None
if os.environ.get("LEASE"):  # one of several processes, as `gridpatrol run` on PostgreSQL
    from bot.runtime.lease import Lease
    lease = Lease(settings.database.url)
app = build_application(settings, make_session_factory(make_engine(settings.database.url)),
                        lease=lease, renderers=TEST_RENDERERS)
app.run_polling(allowed_updates=Update.ALL_TYPES)
"""


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    """The sandbox over HTTP on a free port, Telegram's flood limits on."""
    async with SandboxServer(BotApiEmulator(token=TOKEN)) as server:
        yield server


def start_worker(server: SandboxServer, db_url: str, tmp_path: Path, name: str,
                 lease: bool = False) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDPATROL_")}
    env.update(ROOT=str(ROOT), DB=db_url, TOKEN=TOKEN, API=server.api_base_url,
               FILES=server.file_base_url, PHOTOS=str(tmp_path / "photos"),
               LEASE="1" if lease else "")
    with (tmp_path / f"{name}.log").open("wb") as log:  # the child keeps its own copy
        return subprocess.Popen([sys.executable, "-c", WORKER], env=env, cwd=tmp_path,
                                stdout=log, stderr=subprocess.STDOUT)


def stop(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def people(emulator: BotApiEmulator, count: int) -> list[int]:
    """People who opened a chat with the bot (their /start never reaches it)."""
    ids = []
    for index in range(count):
        user = emulator.users.create_user(f"P{index}")
        emulator.users.private_chat(int(user["id"]))
        ids.append(int(user["id"]))
    return ids


async def queue_burst(sessions: SessionFactory, chats: list[int], per_chat: int) -> list[int]:
    """Notices k = 0, 1, ... round-robin over the chats; their ids, in order."""
    ids = []
    async with sessions() as session:
        for k in range(len(chats) * per_chat):
            notice = await queue(session, Note(text=f"notice {k}"),
                                 chat_id=str(chats[k % len(chats)]))
            ids.append(notice.id)
        await session.commit()
    return ids


def received(emulator: BotApiEmulator, chats: list[int], *,
             repeats: bool = False) -> dict[int, list[int]]:
    """Per chat, the notice numbers that arrived, in arrival order: the first sends, or
    (`repeats`) the copies sent again under the repeat line."""
    result: dict[int, list[int]] = {}
    for chat in chats:
        texts = (m.get("text", "") for m in emulator.bot_messages(chat))
        if repeats:
            texts = (text.removeprefix(REPEAT) for text in texts if text.startswith(REPEAT))
        result[chat] = [int(match[1]) for text in texts if (match := NOTICE.match(text))]
    return result


async def states(sessions: SessionFactory) -> Counter[str]:
    async with sessions() as session:
        rows = await session.execute(select(Outbox.state, func.count()).group_by(Outbox.state))
        return Counter({state: count for state, count in rows})


async def wait_for(condition: Callable[[], object], what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_WITHIN
    while not await condition():  # type: ignore[misc]
        if loop.time() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        await asyncio.sleep(0.05)


async def exited(worker: subprocess.Popen[bytes]) -> bool:
    return worker.poll() is not None


async def settled(sessions: SessionFactory) -> bool:
    counts = await states(sessions)
    return counts[OutboxState.PENDING] + counts[OutboxState.SENDING] == 0


async def test_a_bot_killed_mid_burst_and_restarted_sends_every_notice_at_most_once(
    sandbox: SandboxServer, db_url: str, session_factory: SessionFactory, tmp_path: Path,
) -> None:
    emulator = sandbox.emulator
    chats = people(emulator, 100)
    ids = await queue_burst(session_factory, chats, 3)
    # The first four messages time out (PTB gives up after 5 s): two had arrived, two had not.
    emulator.faults.add("timeout", count=2, method="sendMessage", delay=6, delivered=True)
    emulator.faults.add("timeout", count=2, method="sendMessage", delay=6, delivered=False)

    def arrived() -> int:
        return sum(len(v) for v in received(emulator, chats).values())

    async def timeouts_settled_and_burst_half_way() -> bool:
        async with session_factory() as session:
            timed_out = await session.scalar(
                select(func.count()).where(Outbox.last_error.like("%timed out%")))
        return timed_out == 4 and arrived() >= 150

    first = start_worker(sandbox, db_url, tmp_path, "first")
    try:
        await wait_for(timeouts_settled_and_burst_half_way, "half the burst")
        first.kill()  # SIGKILL: no shutdown, no last writes
        first.wait()
    finally:
        stop(first)
    at_kill = await states(session_factory)
    arrived_at_kill = arrived()
    assert arrived_at_kill < len(ids), "the burst was over before the kill"

    second = start_worker(sandbox, db_url, tmp_path, "second")
    try:
        await wait_for(lambda: settled(session_factory), "every notice settled")
    finally:
        stop(second)

    got = received(emulator, chats)
    count = Counter(k for numbers in got.values() for k in numbers)
    again = Counter(k for numbers in received(emulator, chats, repeats=True).values()
                    for k in numbers)
    async with session_factory() as session:
        rows = {r.id: r for r in await session.scalars(select(Outbox).order_by(Outbox.id))}
    by_number = {k: rows[row_id] for k, row_id in enumerate(ids)}
    repeated = [k for k, r in by_number.items() if r.result.get("maybe_duplicate")]
    timed_out = [k for k in repeated if "timed out" in (by_number[k].last_error or "")]
    interrupted = [k for k in repeated if k not in timed_out]
    print(f"\n{'sqlite' if is_sqlite(db_url) else 'postgresql'}: {len(ids)} notices; at the kill "
          f"{arrived_at_kill} had arrived, rows {dict(at_kill)}; afterwards all sent, "
          f"{len(repeated)} of them again under the repeat line ({len(timed_out)} timed out: "
          f"{sum(count[k] for k in timed_out)} of them had arrived; {len(interrupted)} "
          f"interrupted by the kill: {sum(count[k] for k in interrupted)} had arrived)")

    assert await states(session_factory) == Counter({OutboxState.SENT: len(ids)})  # none left
    assert max(count.values()) == 1 and max(again.values()) == 1  # never a third copy
    assert sorted(set(count) | set(again)) == list(range(len(ids)))  # every notice arrived
    assert sorted(again) == sorted(repeated)  # a copy again only of a send that was uncertain
    assert all(count[k] == 1 for k in by_number if k not in again)
    assert sorted(count[k] for k in timed_out) == [0, 0, 1, 1]  # delivered=False / True
    assert len(interrupted) == at_kill[OutboxState.SENDING]  # only what was in flight
    assert sum(count.values()) > arrived_at_kill  # the second process finished the burst
    for numbers in got.values():
        assert numbers == sorted(numbers)  # each chat in the order queued


@pytest.mark.postgres
async def test_two_senders_on_postgresql_share_a_burst_without_a_double_or_a_429(
    sandbox: SandboxServer, db_url: str, session_factory: SessionFactory, tmp_path: Path,
) -> None:
    if is_sqlite(db_url):
        pytest.skip("one sender process on SQLite")
    emulator = sandbox.emulator
    chats = people(emulator, 250)
    ids = await queue_burst(session_factory, chats, 2)
    # Both configured for the whole 30/s; seeing each other (bot.runtime.lease), each takes half.
    workers = [start_worker(sandbox, db_url, tmp_path, f"w{n}", lease=True) for n in (1, 2)]
    try:
        await wait_for(lambda: settled(session_factory), "every notice settled")
    finally:
        for worker in workers:
            stop(worker)

    got = received(emulator, chats)
    count = Counter(k for numbers in got.values() for k in numbers)
    async with session_factory() as session:
        claimers = Counter(await session.scalars(select(Outbox.claimed_by)))
        settled_states = await states(session_factory)
    assert settled_states == Counter({OutboxState.SENT: len(ids)})
    assert sorted(count) == list(range(len(ids))) and set(count.values()) == {1}
    assert len(claimers) == 2 and min(claimers.values()) > len(ids) // 10  # both worked
    assert all(numbers == sorted(numbers) for numbers in got.values())
    assert flood_waits(tmp_path) == []


def flood_waits(tmp_path: Path) -> list[str]:
    """The 429s the workers met, from their logs (the sender logs each one)."""
    return [line for log in sorted(tmp_path.glob("w*.log"))
            for line in log.read_text(errors="replace").splitlines() if "flood control" in line]


class SlowEmulator(BotApiEmulator):
    """The sandbox, answering each sendMessage `slow` seconds late once that is set: the stop
    comes while sends are on the wire."""

    def __init__(self) -> None:
        super().__init__(token=TOKEN)
        self.slow = 0.0

    async def call(self, token: str, method: str, params: Mapping[str, Any],
                   files: Mapping[str, FileArg] | None = None) -> tuple[int, dict[str, Any]]:
        if method == "sendMessage" and self.slow:
            await asyncio.sleep(self.slow)
        return await super().call(token, method, params, files)


async def test_a_graceful_stop_mid_burst_leaves_nothing_uncertain(
    db_url: str, session_factory: SessionFactory, tmp_path: Path,
) -> None:
    """SIGTERM while every core is busy with other work and the platform answers slowly, three
    times in one burst: each time the sends on the wire finish and the notices claimed but not
    sent go back to the queue; the last process sends the rest, each notice once."""
    emulator = SlowEmulator()
    chats = people(emulator, 100)
    ids = await queue_burst(session_factory, chats, 3)

    def arrived() -> int:
        return sum(len(v) for v in received(emulator, chats).values())

    async with SandboxServer(emulator) as sandbox:
        for stop_number in range(STOPS):
            target = arrived() + 40

            async def under_way() -> bool:
                return arrived() >= target  # noqa: B023  (awaited within this iteration)

            with busy_cores():
                worker = start_worker(sandbox, db_url, tmp_path, f"stopped{stop_number}")
                try:
                    await wait_for(under_way, "the burst under way")
                    emulator.slow = 1.5
                    worker.terminate()  # SIGTERM: PTB stops, the sends in flight finish
                    await wait_for(lambda: exited(worker), "the bot to stop")  # noqa: B023
                    assert worker.returncode == 0
                finally:
                    stop(worker)
                    emulator.slow = 0.0
            at_stop = await states(session_factory)
            # each notice sent (and confirmed) or back in the queue: none on the wire, none unsure
            assert set(at_stop) <= {OutboxState.SENT, OutboxState.PENDING}, (stop_number, at_stop)
            assert at_stop[OutboxState.PENDING] > 0, at_stop

        last = start_worker(sandbox, db_url, tmp_path, "last")
        try:
            await wait_for(lambda: settled(session_factory), "every notice settled")
        finally:
            stop(last)
    count = Counter(k for numbers in received(emulator, chats).values() for k in numbers)
    assert await states(session_factory) == Counter({OutboxState.SENT: len(ids)})
    assert sorted(count) == list(range(len(ids))) and set(count.values()) == {1}
