"""The outbox's throughput against Telegram's global bound, in the sandbox with flood limits on.

ours: 3,000 notices to 1,000 private chats (three each), queued at once in a migrated SQLite
file, sent by the real bot (`bot.telegram.app.build_application`, its outbox job on PTB's
JobQueue) in a process of its own, over HTTP to the sandbox (`SandboxServer`, Telegram's flood
limits on: 30/s overall, 1/s per chat with a burst of 5), in real time. The rate is notices a
second from the first arrival to the last; it must come with no 429 and no notice twice
(asserted).
baseline: the 30-a-second bound itself (goal: at least 90% of it). For context, the note gives
a bare PTB `bot.send_message` loop against the same sandbox with flood limits off: what the
transport allows when nothing paces it.

Takes about two minutes, in real time; a machine busy with other work makes the bot's job late
and the figure lower (BENCH_KEEP=1 keeps the worker's log).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot

from bench.common import Figure
from handlers.notices import DRAWN, with_edits
from models import Member, Outbox, OutboxState
from models.db import make_engine, make_session_factory
from sandbox.server import SandboxServer
from sandbox.telegram.emulator import BotApiEmulator, FileArg
from sandbox.telegram.flood import FloodConfig
from sandbox.telegram.state import JSON
from services.database import upgrade
from services.notices.card import Card
from services.notices.kinds import Notice
from services.notices.queue import queue
from services.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "7000000002:SANDBOX-bench-outbox"
CHATS = 1000
PER_CHAT = 3
BOUND = 30.0  # Telegram's global bound, messages a second
RAW_SENDS = 600
NOTICE = re.compile(r"^notice (\d+)$")


@dataclass(frozen=True)
class BenchNote(Notice):
    KIND = "bench_outbox_note"
    n: int = 0


async def _render(session: AsyncSession, notice: BenchNote, row: Outbox, member: Member | None,
                  settings: Settings) -> Card | None:
    return Card(text=f"notice {notice.n}")


BENCH_RENDERERS = with_edits({**DRAWN, BenchNote: _render})


class _TimedEmulator(BotApiEmulator):
    """The sandbox, noting when each message was accepted and how many 429s it answered."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.accepted: list[float] = []
        self.flood_waits = 0
        self.expected = 0
        self.all_in = asyncio.Event()

    async def call(self, token: str, method: str, params: Mapping[str, Any],
                   files: Mapping[str, FileArg] | None = None) -> tuple[int, JSON]:
        status, body = await super().call(token, method, params, files)
        if method == "sendMessage":
            if status == 200:
                self.accepted.append(time.perf_counter())
                if len(self.accepted) >= self.expected:
                    self.all_in.set()
            elif status == 429:
                self.flood_waits += 1
        return status, body


# The bot as `gridpatrol run` builds it (its outbox job on PTB's JobQueue), plus the bench's
# renderer, in a process of its own as in production.
WORKER = """
import logging, os, sys
sys.path.insert(0, os.environ["ROOT"])
os.environ.setdefault("PTB_TIMEDELTA", "1")
from pathlib import Path
from bench.bench_outbox import BENCH_RENDERERS
from telegram import Update
from bot.telegram.app import build_application
from bot.config import load_settings
from models.db import make_engine, make_session_factory

def edit(data):
    data.setdefault("database", {})["url"] = os.environ["DB"]
    data.setdefault("storage", {})["photos_dir"] = os.environ["PHOTOS"]
    data.setdefault("telegram", {}).update(token=os.environ["TOKEN"],
        api_base_url=os.environ["API"], file_base_url=os.environ["FILES"])

settings = load_settings(Path(os.environ["ROOT"]) / "config.toml", overrides=edit)
logging.basicConfig(level=logging.WARNING)
app = build_application(settings, make_session_factory(make_engine(settings.database.url)),
                        renderers=BENCH_RENDERERS)
app.run_polling(allowed_updates=Update.ALL_TYPES)
"""


def _start_worker(db_url: str, server: SandboxServer, workdir: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDPATROL_")}
    env.update(ROOT=str(ROOT), DB=db_url, TOKEN=TOKEN, API=server.api_base_url,
               FILES=server.file_base_url, PHOTOS=str(workdir / "photos"))
    with (workdir / "worker.log").open("wb") as log:
        return subprocess.Popen([sys.executable, "-c", WORKER], env=env, cwd=workdir,
                                stdout=log, stderr=subprocess.STDOUT)


async def _paced_rate(workdir: Path) -> tuple[float, int, int, int]:
    """(notices a second, 429s, notices sent twice, notices missing) for the real bot."""
    db_url = f"sqlite:///{workdir / 'bench.db'}"
    upgrade(db_url)
    emulator = _TimedEmulator(token=TOKEN)  # flood limits on
    chats = []
    for index in range(CHATS):
        user = emulator.users.create_user(f"P{index}")
        emulator.users.private_chat(int(user["id"]))
        chats.append(int(user["id"]))
    engine = make_engine(db_url)
    try:
        async with SandboxServer(emulator) as server:
            sessions = make_session_factory(engine)
            total = emulator.expected = CHATS * PER_CHAT
            async with sessions() as session:
                for n in range(total):
                    await queue(session, BenchNote(n=n), chat_id=str(chats[n % CHATS]))
                await session.commit()
            worker = _start_worker(db_url, server, workdir)
            try:
                with contextlib.suppress(TimeoutError):  # then the bench reports what is missing
                    await asyncio.wait_for(emulator.all_in.wait(), total / BOUND * 3 + 60)
            finally:
                worker.terminate()
                worker.wait(timeout=30)
            texts = [m.get("text", "") for c in chats for m in emulator.bot_messages(c)]
            count = Counter(int(m[1]) for t in texts if (m := NOTICE.match(t)))
            async with sessions() as session:
                unsent = await session.scalar(
                    select(func.count()).where(Outbox.state != OutboxState.SENT))
    finally:
        await engine.dispose()
    twice = sum(1 for v in count.values() if v > 1)
    missing = max(total - len(count), unsent or 0)
    times = emulator.accepted
    rate = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
    return rate, emulator.flood_waits, twice, missing


async def _raw_rate() -> float:
    """A bare PTB send_message loop against the sandbox with flood limits off."""
    emulator = BotApiEmulator(token=TOKEN, flood=FloodConfig(enabled=False))
    user = emulator.users.create_user("Raw")
    emulator.users.private_chat(int(user["id"]))
    async with SandboxServer(emulator) as server, Bot(TOKEN, base_url=server.api_base_url) as bot:
        for _ in range(20):
            await bot.send_message(user["id"], "warm up")
        start = time.perf_counter()
        for n in range(RAW_SENDS):
            await bot.send_message(user["id"], f"raw {n}")
        return RAW_SENDS / (time.perf_counter() - start)


def run() -> list[Figure]:
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    workdir = Path(tempfile.mkdtemp(prefix="bench_outbox_"))
    try:
        raw = asyncio.run(_raw_rate())
        rate, flood_waits, twice, missing = asyncio.run(_paced_rate(workdir))
    finally:
        if os.environ.get("BENCH_KEEP"):
            print(f"bench_outbox: kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"bench_outbox: {CHATS * PER_CHAT} notices to {CHATS} chats at {rate:.1f}/s "
          f"(bound {BOUND:g}/s), {flood_waits} answered 429, {twice} sent twice, {missing} "
          f"missing; bare PTB send_message loop, flood limits off: {raw:.0f}/s")
    assert flood_waits == 0, f"{flood_waits} sends met a 429"
    assert twice == 0 and missing == 0, f"{twice} notices sent twice, {missing} missing"
    return [
        Figure(
            name="outbox: 3,000 notices / 1,000 chats vs the 30/s bound",
            ours=rate,
            baseline=BOUND,
            unit="msg/s",
            goal=0.9,
            kind="rate",
            note=(f"flood limits on, no 429, none twice; a bare PTB send_message loop against "
                  f"the same sandbox with flood limits off does {raw:.0f}/s"),
        )
    ]


if __name__ == "__main__":
    for figure in run():
        print(figure)
