"""Fixtures of the integration tests: the deadlines world (tests/support/deadlines_world.py),
every stage allowed 100 s. Shared by the deadline, supervision and group tests; a module with
its own `sessions` or `world` fixture overrides these."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.db import SessionFactory
from services.settings import Settings
from tests.support.deadlines_world import World, build_world, seconds_settings


@pytest.fixture
def fast(db_url: str, tmp_path: Path) -> Settings:
    """Settings where every stage of every severity is allowed 100 s, reminders at 50% and 90%."""
    return seconds_settings(db_url, tmp_path, seconds=100)


@pytest.fixture
def sessions(session_factory: SessionFactory) -> SessionFactory:
    """The test database's sessions (`session_factory`; `fast` points at the same database)."""
    return session_factory


@pytest.fixture
async def world(sessions: SessionFactory) -> World:
    """The five-level grid of `build_world` with its members, committed (a `World`)."""
    async with sessions() as session:
        return await build_world(session)
