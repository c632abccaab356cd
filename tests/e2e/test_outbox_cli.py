"""`gridpatrol outbox status` and `gridpatrol outbox retry ID`, run as an administrator would."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, update

from models import Outbox, OutboxState
from models.db import SessionFactory
from services.notices.kinds import DraftExpired
from services.notices.queue import queue
from tests.support.cli import config, gridpatrol


async def test_status_lists_uncertain_notices_and_retry_queues_one_again(
    db_url: str, session_factory: SessionFactory, tmp_path: Path,
) -> None:
    async with session_factory() as session:
        ids = []
        for index, state in enumerate(
            (OutboxState.SENT, OutboxState.SENT, OutboxState.UNCERTAIN, OutboxState.PENDING)
        ):
            notice = await queue(session, DraftExpired(), chat_id=str(100 + index))
            notice.state = state
            notice.last_error = "timed out: Timed out" if state == OutboxState.UNCERTAIN else None
            ids.append(notice.id)
        await session.commit()
    uncertain = ids[2]
    cfg = config(tmp_path)

    status = gridpatrol("outbox", "status", cfg=cfg, db=db_url)
    assert status.returncode == 0, status.stderr
    lines = status.stdout.splitlines()
    assert "pending    1" in lines and "sent       2" in lines and "uncertain  1" in lines
    listed = [line for line in lines if line.strip().startswith(str(uncertain))]
    assert len(listed) == 1 and "draft_expired" in listed[0] and "timed out" in listed[0]

    refused = gridpatrol("outbox", "retry", str(ids[0]), cfg=cfg, db=db_url)
    assert refused.returncode == 1 and "only uncertain or failed" in refused.stdout
    retried = gridpatrol("outbox", "retry", str(uncertain), cfg=cfg, db=db_url)
    assert retried.returncode == 0, retried.stderr
    async with session_factory() as session:
        row = await session.scalar(select(Outbox).where(Outbox.id == uncertain))
        assert row is not None and (row.state, row.attempts) == (OutboxState.PENDING, 0)
        await session.execute(update(Outbox).values(state=OutboxState.SENT))
        await session.commit()
    after = gridpatrol("outbox", "status", cfg=cfg, db=db_url)
    assert "uncertain  0" in after.stdout.splitlines()
    assert "sends one again" not in after.stdout  # nothing left to list
