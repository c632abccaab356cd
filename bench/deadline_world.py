"""A big SQLite world for the sweep and digest benchmarks: a 1,266-cell grid, 10,000 members and
N cases written with executemany (the ORM would take minutes for a million rows).

Most cases are closed history, about a tenth are open; `due` of them are due for the sweep now.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic.script import ScriptDirectory

from services.database import alembic_config, upgrade

NOW = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
OPEN = ("submitted", "accepted", "dispatched", "rectifying", "rectified", "checked")
STAGE_OF = {"submitted": "accept", "accepted": "plan", "dispatched": "plan",
            "rectifying": "rectify", "rectified": "check", "checked": "check"}
CATEGORIES = ("outfall", "garbage", "livestock", "fish_farming", "swimming_fishing", "building",
              "farm_runoff", "boats", "sand_mining", "facility_damage", "other")


CACHE = Path(tempfile.gettempdir()) / "gridpatrol-bench"


@dataclass(frozen=True)
class Built:
    path: Path
    cases: int
    due: int
    members: int
    seconds: float


def _ts(moment: datetime) -> str:
    """The text SQLAlchemy's SQLite DateTime stores (naive UTC, microseconds)."""
    return moment.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def build(path: Path, cases: int = 1_000_000, due_fraction: float = 0.01,
          members: int = 10_000, seed: int = 1) -> Built:
    """Create and fill a migrated SQLite database at `path` (replaced if present)."""
    started = time.perf_counter()
    path.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    upgrade(url)
    rng = random.Random(seed)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    now_s = _ts(NOW)
    cells: list[tuple[int, str, str, str, int | None, str, str, str, str, str]] = []
    villages: list[int] = []
    townships: list[int] = []
    counties: list[int] = []
    next_id = 1

    def cell(level: str, parent: int | None, parent_path: str) -> tuple[int, str]:
        nonlocal next_id
        cid, next_id = next_id, next_id + 1
        own = f"{parent_path}{cid}/"
        cells.append((cid, f"B{cid}", f"{level}-{cid}", level, parent, own, "POLYGON EMPTY",
                      "{}", now_s, now_s))
        return cid, own

    city, city_path = cell("city", None, "/")
    for _ in range(5):
        county, county_path = cell("county", city, city_path)
        counties.append(county)
        for _ in range(12):
            township, township_path = cell("township", county, county_path)
            townships.append(township)
            for _ in range(20):
                villages.append(cell("village", township, township_path)[0])
    db.executemany("INSERT INTO grid_cell (id, code, name, level, parent_id, path, boundary_wkt,"
                   " properties, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)", cells)

    people: list[tuple[int, str, str, str, str, str, int | None, str, int, str, str]] = []

    def person(role: str, cell_id: int | None) -> int:
        mid = len(people) + 1
        people.append((mid, "telegram", str(10_000_000 + mid), str(10_000_000 + mid),
                       f"member {mid}", role, cell_id, rng.choice(("zh_CN", "en")), 1, now_s,
                       now_s))
        return mid

    managers = [person("manager", v) for v in villages]
    managers += [person("manager", t) for t in townships]
    managers += [person("manager", c) for c in counties for _ in range(2)]
    managers += [person("manager", city) for _ in range(3)]
    leaders = [person("leader", counties[i % 5]) for i in range(20)]
    for _ in range(10):
        person("supervisor", city)
    volunteers = [person("volunteer", None) for _ in range(members - len(people))]
    db.executemany("INSERT INTO member (id, platform, platform_user_id, chat_id, display_name,"
                   " role, cell_id, language, active, created_at, updated_at)"
                   " VALUES (?,?,?,?,?,?,?,?,?,?,?)", people)
    db.executemany("INSERT INTO water_source (id, code, name, cell_id, leader_id, properties,"
                   " created_at) VALUES (?,?,?,?,?,?,?)",
                   [(i + 1, f"WS{i}", f"source {i}", townships[i * 3], leaders[i], "{}", now_s)
                    for i in range(20)])

    due_count = int(cases * due_fraction)
    open_count = cases // 10
    rows = []
    for i in range(1, cases + 1):
        cell_id = rng.choice(villages) if rng.random() < 0.9 else rng.choice(townships)
        created = NOW - timedelta(days=rng.uniform(0.0, 365.0))
        reporter = rng.choice(volunteers) if rng.random() < 0.3 else rng.choice(managers)
        stage = started_at = due_at = alarm = closed = None
        if i <= open_count:
            state = rng.choice(OPEN)
            stage = STAGE_OF[state]
            allowed = timedelta(days=rng.choice((1, 3, 7, 14)))
            if i <= due_count:  # 80% owe a reminder, 20% missed their deadline
                begun = NOW - allowed * (0.6 if i % 5 else 1.2)
                alarm_at = NOW - timedelta(seconds=rng.uniform(1, 3600))
            else:
                begun = NOW - allowed * rng.uniform(0.0, 0.45)
                alarm_at = begun + allowed * 0.5
            created = min(created, begun)
            started_at, due_at, alarm = _ts(begun), _ts(begun + allowed), _ts(alarm_at)
        else:
            state = "closed" if rng.random() < 0.97 else "rejected"
            closed = _ts(min(created + timedelta(days=rng.uniform(0.1, 30)), NOW))
        rows.append((i, f"HZ-B-{i:07d}", "public", reporter, 0, rng.choice(CATEGORIES), "medium",
                     0, "", 30.0, 120.0, cell_id, cell_id, None, None, state, None, stage,
                     started_at, due_at, alarm, 0, 0, 0, _ts(created), _ts(created), closed, 1))
        if len(rows) == 50_000:
            _insert_cases(db, rows)
            rows = []
    _insert_cases(db, rows)
    db.commit()
    db.execute("ANALYZE")
    db.close()
    return Built(path, cases, due_count, len(people), time.perf_counter() - started)


def _insert_cases(db: sqlite3.Connection, rows: Sequence[tuple[object, ...]]) -> None:
    db.executemany(
        'INSERT INTO "case" (id, number, source, reporter_id, anonymous, category, severity,'
        " emergency, description, lat, lon, origin_cell_id, cell_id, water_source_id, zone,"
        " state, assignee_id, stage, stage_started_at, due_at, next_alarm_at, reminders_sent,"
        " missed_deadlines, escalation_level, created_at, updated_at, closed_at, version)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )


def schema_head() -> str:
    """The migrations' head revision: a cached world is only good for the schema it was built on."""
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def working_copy(cases: int, name: str) -> tuple[Path, float]:
    """A fresh copy of the cached world (built on first use, again after a migration); (path,
    seconds spent building). Worlds of an older schema are deleted (300 MB each)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    head = schema_head()
    pristine = CACHE / f"world-{cases}-{head}.db"
    built = 0.0
    if not pristine.exists():
        for stale in [CACHE / f"world-{cases}.db", *CACHE.glob(f"world-{cases}-*.db")]:
            stale.unlink(missing_ok=True)
        partial = CACHE / f"world-{cases}-{head}.building.db"
        built = build(partial, cases).seconds
        partial.rename(pristine)
    work = CACHE / f"{name}-{cases}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(pristine, work)
    return work, built
