"""The chain for set-wise writers: event rows (dicts for one bulk INSERT) get their hashes from
the heads of their cases, read in one query (the caller holds the cases' rows, as the sweep's
`FOR UPDATE SKIP LOCKED` batch does)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.chain import chain_values, head_query


async def chain_rows(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Fill `prev_hash` and `hash` into `rows` (no photos: the sweep adds none), in order."""
    if not rows:
        return
    heads: dict[int, str | None] = {case_id: sha for case_id, sha in await session.execute(
        head_query(row["case_id"] for row in rows))}
    chain_values(rows, heads)
