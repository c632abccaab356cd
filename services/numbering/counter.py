"""One upsert per number: concurrent issuers of a series wait on its row, in both databases."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from models.numbering import DocumentCounter


class Series(StrEnum):
    ORDER = "order"  # 督办单
    BULLETIN = "bulletin"  # 督查通报


async def next_number(session: AsyncSession, series: Series, year: int) -> int:
    """The next number of `series` in `year` (1, 2, ...); the row stays locked until commit."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = DocumentCounter.__table__
    assert isinstance(table, Table)
    stmt = (
        insert(table)
        .values(series=series.value, year=year, last=1)
        .on_conflict_do_update(
            index_elements=[table.c.series, table.c.year], set_={"last": table.c.last + 1}
        )
        .returning(table.c.last)
    )
    return int((await session.execute(stmt)).scalar_one())


def format_number(template: str, year: int, n: int) -> str:
    """`template` with {year} and {n}, e.g. "湖水督〔{year}〕{n}号" -> 湖水督〔2026〕15号."""
    return template.format(year=year, n=n)
