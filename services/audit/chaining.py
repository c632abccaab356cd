"""The chain for set-wise writers: event rows (dicts for one bulk INSERT) get their hashes from
the heads of their cases, read in one query once the cases are locked (the sweep's batch holds
them `FOR UPDATE SKIP LOCKED` already on PostgreSQL; on SQLite this takes the write lock)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.chain import chain_values, head_query, lock_cases


async def chain_rows(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Fill `prev_hash` and `hash` into `rows` (no photos: the sweep adds none), in order."""
    if not rows:
        return
    await session.execute(lock_cases({row["case_id"] for row in rows},
                                     session.get_bind().dialect.name))
    heads: dict[int, str | None] = {case_id: sha for case_id, sha in await session.execute(
        head_query(row["case_id"] for row in rows))}
    chain_values(rows, heads)
