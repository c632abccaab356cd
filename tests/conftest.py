"""Shared fixtures: settings, and a migrated database on SQLite and (when asked) PostgreSQL."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from models import Base
from models.db import SessionFactory, make_engine, make_session_factory
from services.database import upgrade
from services.demo import DEMO_GRID as DEMO_GRID_FILE
from services.settings import Settings
from tests.support.databases import PG_ADMIN_URL, REQUIRE_PG, pg_reachable
from tests.support.settings import make_settings

os.environ.setdefault("PTB_TIMEDELTA", "1")





@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """A database of our own on the PostgreSQL server, migrated once per test session."""
    problem = pg_reachable()
    if problem:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL is required (GRIDPATROL_REQUIRE_POSTGRES=1) but: {problem}")
        pytest.skip(f"PostgreSQL not reachable: {problem}")
    name = f"gridpatrol_test_{os.getpid()}"
    admin = sa.create_engine(
        PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


def _truncate_pg(url: str) -> None:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """An empty, migrated database; every test that takes it runs on both databases."""
    if request.param == "sqlite":
        path = tmp_path / "gridpatrol.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("pg_server_url")
    _truncate_pg(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """SQLite only, for tests where the database makes no difference."""
    path = tmp_path / "gridpatrol.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(db_url, tmp_path)


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(settings.database.url)
    yield engine
    await engine.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine) -> SessionFactory:
    return make_session_factory(engine)


# --- the real bot on the in-process Telegram emulator (core bot) ---------------------------


@pytest.fixture(scope="session")
def demo_grid_collection() -> dict[str, Any]:
    """services/demo/huzhou.geojson, parsed once per test session."""
    import json

    data: dict[str, Any] = json.loads(DEMO_GRID_FILE.read_text(encoding="utf-8"))
    return data


@pytest.fixture
async def bot_harness(
    settings: Settings, session_factory: SessionFactory, demo_grid_collection: dict[str, Any]
) -> AsyncIterator[Any]:
    """The real bot (`bot.telegram.app.build_application`) on `BotApiEmulator`, demo grid loaded.

    Runs on SQLite and PostgreSQL (it depends on `db_url`). Flood limits are off (a test that
    wants them builds its own emulator). Jobs do not run by themselves: call
    `await bot_harness.run_jobs(name="outbox")` to send queued notices. Usage:

        async def test_hello(bot_harness: TelegramHarness) -> None:
            alice = bot_harness.user("Alice", language_code="en")
            await bot_harness.send_text(alice, "/start")
            assert "Welcome" in bot_harness.last_message(alice)["text"]

    `bot_harness.emulator` is the emulator (faults: `.emulator.faults.add("blocked")`),
    `bot_harness.app.bot_data["deps"]` the Deps (settings, sessions, grid). Leaving the test
    fails it if Telegram would have refused a call or a handler raised.
    """
    from bot.telegram.app import build_application
    from sandbox.telegram.emulator import BotApiEmulator
    from sandbox.telegram.flood import FloodConfig
    from services.grid import import_grid
    from tests.support.gated_notices import TEST_RENDERERS
    from tests.support.harness import EmulatorRequest, TelegramHarness

    async with session_factory() as session:
        await import_grid(session, demo_grid_collection)
        await session.commit()
    emulator = BotApiEmulator(token=settings.telegram.token, flood=FloodConfig(enabled=False))
    app = build_application(
        settings,
        session_factory,
        request=EmulatorRequest(emulator),
        get_updates_request=EmulatorRequest(emulator),
        renderers=TEST_RENDERERS,
    )
    async with TelegramHarness(emulator, app) as harness:
        yield harness
