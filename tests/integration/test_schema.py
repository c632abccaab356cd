"""The migration and the ORM agree, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from models import Base, Case, GridCell, Member, WaterSource
from models.db import SessionFactory


async def test_migrated_schema_round_trips_a_case_with_aware_times(
    session_factory: SessionFactory,
) -> None:
    when = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    async with session_factory() as session:
        cell = GridCell(code="V1", name="村", level="village", path="/", boundary_wkt="POINT (0 0)")
        member = Member(platform_user_id="42", chat_id="42", display_name="李")
        session.add_all([cell, member])
        await session.flush()
        case = Case(
            number="HZ-2026-000001",
            category="garbage",
            severity="medium",
            lat=30.8,
            lon=120.1,
            origin_cell_id=cell.id,
            cell_id=cell.id,
            reporter_id=member.id,
            due_at=when,
        )
        session.add(case)
        await session.commit()
    async with session_factory() as session:
        loaded = (await session.execute(select(Case))).scalar_one()
        assert loaded.due_at == when
        assert loaded.due_at.tzinfo is not None
        assert loaded.state == "submitted"


async def test_the_migrated_database_is_the_models_schema(session_factory: SessionFactory) -> None:
    """Every table, column, index and foreign key the models declare, the migrations made
    (PostgreSQL lacked water_source.leader_id's foreign key until migration 0012)."""
    engine = session_factory.kw["bind"]
    async with engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata))
    assert diff == []


async def test_a_source_cannot_name_a_leader_who_does_not_exist(
    session_factory: SessionFactory,
) -> None:
    async with session_factory() as session:
        session.add(WaterSource(code="WS-X", name="水库", leader_id=10**9))
        with pytest.raises(IntegrityError):
            await session.commit()
