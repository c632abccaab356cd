"""The scheduler lease and the settling of interrupted sends, with several processes in mind."""

from __future__ import annotations

import asyncio
import json
import logging
import sys

import pytest
from sqlalchemy import select

from bot.runtime import (
    CaseFilter,
    JsonFormatter,
    Lease,
    TextFormatter,
    case_logged,
    settle_dead_claims,
)
from models import Outbox, OutboxState
from models.db import SessionFactory, is_sqlite

LIVE_OTHER = 1_000_001
GONE = 1_000_002
# Advisory locks are PostgreSQL's; on SQLite there is one process and no lease to share.
ONLY_POSTGRES = pytest.mark.parametrize(
    "db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)


async def add_sending(sessions: SessionFactory, claimed_by: int | None) -> int:
    async with sessions() as session:
        row = Outbox(kind="draft_expired", chat_id="1", state=OutboxState.SENDING,
                     claimed_by=claimed_by)
        session.add(row)
        await session.commit()
        return row.id


async def states(sessions: SessionFactory) -> dict[int, str]:
    async with sessions() as session:
        return {r.id: r.state for r in await session.scalars(select(Outbox))}


@ONLY_POSTGRES
async def test_one_lease_holder_and_a_takeover_when_it_lets_go(
    db_url: str, session_factory: SessionFactory
) -> None:
    first, second = Lease(db_url, instance=LIVE_OTHER), Lease(db_url, instance=1_000_003)
    await first.start()
    await second.start()
    try:
        assert (first.held, second.held) == (True, False)
        assert await second.check() is False
        assert {LIVE_OTHER, 1_000_003} <= await second.live_instances()
        await first.close()
        assert await second.check() is True  # the next check takes it over
        assert LIVE_OTHER not in await second.live_instances()
    finally:
        await first.close()
        await second.close()


@ONLY_POSTGRES
async def test_only_sends_of_processes_that_are_gone_become_uncertain(
    db_url: str, session_factory: SessionFactory
) -> None:
    other, me = Lease(db_url, instance=LIVE_OTHER), Lease(db_url, instance=1_000_004)
    await other.start()
    await me.start()
    try:
        live = await add_sending(session_factory, LIVE_OTHER)
        gone = await add_sending(session_factory, GONE)
        unnamed = await add_sending(session_factory, None)
        assert await settle_dead_claims(session_factory, me, at_start=True) == 1
        assert await states(session_factory) == {
            live: OutboxState.SENDING, gone: OutboxState.UNCERTAIN, unnamed: OutboxState.SENDING}
        await other.close()  # now this process is alone: unnamed claims are settled at start
        assert await settle_dead_claims(session_factory, me, at_start=False) == 1
        assert (await states(session_factory))[unnamed] == OutboxState.SENDING
        assert await settle_dead_claims(session_factory, me, at_start=True) == 1
        assert set((await states(session_factory)).values()) == {OutboxState.UNCERTAIN}
    finally:
        await other.close()
        await me.close()


async def test_a_killed_holder_frees_the_lease(db_url: str) -> None:
    """The lock dies with the holder's database session, so SIGKILL frees it."""
    if is_sqlite(db_url):
        lease = Lease(db_url)
        await lease.start()
        assert lease.held and await lease.check()  # one process on SQLite: always held
        return
    script = ("import asyncio, sys\nfrom bot.runtime import Lease\n"
              "async def main():\n    lease = Lease(sys.argv[1], instance=1_000_005)\n"
              "    await lease.start()\n    print(lease.held, flush=True)\n"
              "    await asyncio.sleep(3600)\nasyncio.run(main())\n")
    holder = await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, db_url, stdout=asyncio.subprocess.PIPE)
    assert holder.stdout is not None
    assert (await holder.stdout.readline()).strip() == b"True"
    waiting = Lease(db_url, instance=1_000_006)
    await waiting.start()
    try:
        assert waiting.held is False
        holder.kill()
        await holder.wait()
        for _ in range(100):  # the server notices the closed socket at once; bounded anyway
            if await waiting.check():
                break
            await asyncio.sleep(0.05)
        assert waiting.held
    finally:
        await waiting.close()


def test_log_lines_carry_the_case_they_concern() -> None:
    logger = logging.getLogger("test.case")
    record = logger.makeRecord("test.case", logging.INFO, __file__, 1, "accepted", (), None)
    with case_logged("HZ-2026-000123"):
        CaseFilter().filter(record)
    outside = logger.makeRecord("test.case", logging.INFO, __file__, 1, "idle", (), None)
    CaseFilter().filter(outside)
    assert json.loads(JsonFormatter().format(record))["case"] == "HZ-2026-000123"
    assert "case" not in json.loads(JsonFormatter().format(outside))
    assert "test.case [HZ-2026-000123]: accepted" in TextFormatter().format(record)
    assert "test.case: idle" in TextFormatter().format(outside)
