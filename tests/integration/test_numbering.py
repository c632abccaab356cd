"""Order and bulletin numbers run without gaps, per series and year, under concurrent issue."""

from __future__ import annotations

import asyncio

from models.db import SessionFactory
from services.numbering import Series, format_number, next_number


async def test_concurrent_issuers_take_every_number_once_and_a_rollback_gives_its_back(
    session_factory: SessionFactory,
) -> None:
    async def issue(keep: bool) -> int | None:
        async with session_factory() as session:
            n = await next_number(session, Series.ORDER, 2026)
            await asyncio.sleep(0.01)  # another issuer comes in while this one holds its number
            if not keep:
                await session.rollback()
                return None
            await session.commit()
            return n

    results = await asyncio.gather(*(issue(keep=i != 3) for i in range(8)))
    kept = sorted(n for n in results if n is not None)
    assert kept == list(range(1, 8))
    async with session_factory() as session:
        assert await next_number(session, Series.ORDER, 2026) == 8
        assert await next_number(session, Series.BULLETIN, 2026) == 1
        assert await next_number(session, Series.ORDER, 2027) == 1
        await session.commit()


def test_a_number_reads_as_the_office_writes_it() -> None:
    assert format_number("湖水督〔{year}〕{n}号", 2026, 15) == "湖水督〔2026〕15号"
    assert format_number("{year}年第{n}期", 2026, 10) == "2026年第10期"
