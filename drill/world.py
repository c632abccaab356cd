"""The stage every drill plays on: a database of its own (SQLite file or a fresh PostgreSQL
database, dropped after), the demo grid and a village manager in it, the sandbox's Bot API
emulator served over HTTP in this process, and the real bot (`gridpatrol run`) as a child
process pointed at it only through api_base_url/file_base_url, which a drill may SIGKILL and
start again."""

# A driver, not the bot: a blocking call of a millisecond here delays nobody.
# ruff: noqa: ASYNC109, ASYNC220, ASYNC240

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import tomllib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from drill.facts import Outage
from models import GridCell, Member, Role
from models.db import make_engine, make_session_factory
from sandbox.server import SandboxServer
from sandbox.telegram.emulator import DEFAULT_TOKEN, BotApiEmulator
from sandbox.telegram.flood import FloodConfig
from sandbox.wecom import WeComState
from services.database import upgrade
from services.demo import DEMO_GRID
from services.grid import import_grid

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("GRIDPATROL_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
VILLAGE = "330502100004"  # 妙西东北村, holds 老虎潭水库's grade I zone
TOWNSHIP = "330502100"  # 妙西镇
PLACE = (30.79, 119.96)  # inside that village
MANAGER_ID = 5001
BOT_DOWN = "the bot was down (killed, not yet polling again)"


class DrillEmulator(BotApiEmulator):
    """The emulator, counting the bot's polls so a drill knows when a fresh process is up, and
    keeping the outages (from a kill until the restarted bot polls again; a database restart),
    so a silence is blamed on one only when it overlapped it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.polls = 0
        self.generation = 0
        self.sent = 0  # every other call the bot made (sends, edits, answers, files)
        self.by_method: Counter[str] = Counter()  # ... by method
        self.faults_to: Counter[int] = Counter()  # faults a drill injected, by chat
        self.outages: list[Outage] = []

    def down_during(self, start: float, end: float) -> bool:
        """Whether the bot (or its database) was down at any moment from `start` to `end`."""
        return any(o.overlaps(start, end) for o in self.outages)

    def up_for(self, start: float, end: float) -> float:
        """The seconds from `start` to `end` that the bot was up to answer (outages can
        overlap: a database restart while the bot was down counts once, roughly)."""
        down = sum(o.within(start, end) for o in self.outages[-50:])
        return max(0.0, (end - start) - down)

    def outage_begins(self, what: str) -> Outage:
        outage = Outage(what, time.monotonic())
        self.outages.append(outage)
        return outage

    def outage_ends(self, what: str) -> None:
        for outage in self.outages:
            if outage.what == what and outage.end is None:
                outage.end = time.monotonic()

    def chat_of(self, params: Mapping[str, Any]) -> int:
        """The chat a call is about (a button's answer: the chat of the pressed message)."""
        if "callback_query_id" in params:
            record = self.state.callbacks.get(str(params["callback_query_id"]))
            return record.chat_id if record is not None else 0
        try:
            return int(params.get("chat_id", 0))
        except (TypeError, ValueError):
            return 0

    async def call(self, token: str, method: str, params: Mapping[str, Any],
                   files: Mapping[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
        if method.lower() == "getupdates":
            self.polls += 1
            self.state.bump()
        else:
            self.sent += 1
            self.by_method[method] += 1
        return await super().call(token, method, params, files)


def pg_available() -> str | None:
    """None when the PostgreSQL server answers, else why not."""
    try:
        engine = sa.create_engine(PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://"))
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure to connect means "no PostgreSQL here"
        return str(exc).splitlines()[0]


def _pg_admin(statement: str, admin_url: str = PG_ADMIN_URL) -> None:
    engine = sa.create_engine(admin_url.replace("postgresql://", "postgresql+psycopg://"),
                              isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(statement))
    finally:
        engine.dispose()


@dataclass
class Database:
    """A database of the drill's own; `drop()` removes it."""

    kind: str  # "sqlite" or "postgresql"
    url: str
    name: str = ""
    admin_url: str = PG_ADMIN_URL

    @classmethod
    def create(cls, kind: str, workdir: Path, tag: str, admin_url: str = PG_ADMIN_URL) -> (
        Database
    ):
        if kind == "sqlite":
            for old in workdir.glob(f"{tag}.db*"):  # a fresh file each run
                old.unlink()
            return cls(kind, f"sqlite:///{workdir / f'{tag}.db'}")
        name = f"gridpatrol_drill_{tag.replace('-', '_')}_{os.getpid()}"
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', admin_url)
        _pg_admin(f'CREATE DATABASE "{name}"', admin_url)
        return cls(kind, admin_url.rsplit("/", 1)[0] + "/" + name, name, admin_url)

    def drop(self) -> None:
        if self.kind == "postgresql" and self.name:
            _pg_admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)', self.admin_url)

    async def prepare(self, people: list[tuple[int, str]],
                      township: list[tuple[int, str]]) -> None:
        """Migrate, load the demo grid, and make `people` (user id, name) managers of VILLAGE
        and `township` managers of its township."""
        await asyncio.to_thread(upgrade, self.url)
        engine = make_engine(self.url)
        try:
            sessions = make_session_factory(engine)
            async with sessions() as session:
                grid = json.loads(DEMO_GRID.read_text(encoding="utf-8"))
                await import_grid(session, grid)
                await session.commit()
            async with sessions() as session:
                for code, who in ((VILLAGE, people), (TOWNSHIP, township)):
                    cell = await session.scalar(sa.select(GridCell).where(GridCell.code == code))
                    assert cell is not None
                    session.add_all(
                        Member(platform_user_id=str(uid), chat_id=str(uid), display_name=name,
                               role=Role.MANAGER, cell_id=cell.id, language="en")
                        for uid, name in who)
                await session.commit()
        finally:
            await engine.dispose()


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


def dump_toml(data: Mapping[str, Any], prefix: str = "") -> str:
    """Enough TOML for config.toml: scalars, lists, nested tables and arrays of tables."""
    lines: list[str] = []
    tables: list[str] = []
    for key, value in data.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping):
            tables.append(f"[{name}]\n" + dump_toml(value, name))
        elif isinstance(value, list) and value and isinstance(value[0], Mapping):
            for item in value:
                tables.append(f"[[{name}]]\n" + dump_toml(item, name))
        else:
            lines.append(f"{key} = {_toml_value(value)}")
    return "\n".join(lines) + "\n" + "\n".join(tables)


def write_config(path: Path, server: SandboxServer, db_url: str, photos: Path,
                 **sections: Mapping[str, Any]) -> Path:
    """config.toml as shipped, pointed at the sandbox and the drill's database."""
    data = tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8"))
    data["telegram"].update(token=DEFAULT_TOKEN, api_base_url=server.api_base_url,
                            file_base_url=server.file_base_url, bot_username="gridpatrol_bot")
    data["database"]["url"] = db_url
    data["storage"]["photos_dir"] = str(photos)
    data["logging"]["level"] = os.environ.get("GRIDPATROL_DRILL_LOG_LEVEL", "WARNING")
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    path.write_text(dump_toml(data), encoding="utf-8")
    return path


class SchemaBehind(Exception):
    """The bot refused to start: the checkout gained a migration after the drill's upgrade."""


def die_with_parent() -> None:
    """In the child: SIGKILL when the drill dies, so no bot outlives an interrupted drill."""
    import ctypes

    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


@dataclass
class BotProcess:
    """`gridpatrol run` as a child process; `kill()` is SIGKILL, `start()` waits for its poll."""

    config: Path
    log_path: Path
    emulator: DrillEmulator
    db_url: str
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0
    kills: int = 0
    env: dict[str, str] = field(default_factory=dict)

    async def start(self, timeout: float = 60.0) -> None:
        try:
            await self._start(timeout)
        except SchemaBehind:  # a migration landed in the checkout while the drill ran
            await asyncio.to_thread(upgrade, self.db_url)
            await self._start(timeout)

    async def _start(self, timeout: float) -> None:
        polls = self.emulator.polls
        env = {**os.environ, "PTB_TIMEDELTA": "1", **self.env}
        env.pop("GRIDPATROL_DATABASE_URL", None)
        env.pop("GRIDPATROL_TELEGRAM_TOKEN", None)
        with self.log_path.open("ab") as log:
            log.write(f"\n=== start {self.starts + 1} ===\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "--config", str(self.config), "run"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True, preexec_fn=die_with_parent)
        self.starts += 1
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.emulator.polls == polls:
            if self.proc.poll() is not None:
                if b"schema is not up to date" in self.log_path.read_bytes()[-300:]:
                    raise SchemaBehind()
                raise RuntimeError(f"the bot exited with {self.proc.returncode}; see "
                                   f"{self.log_path}")
            if loop.time() > deadline:
                raise RuntimeError(f"the bot did not poll within {timeout:.0f} s; see "
                                   f"{self.log_path}")
            await self.emulator.state.wait_change(0.2)
        self.emulator.generation += 1
        self.emulator.outage_ends(BOT_DOWN)  # ready again: it asks for updates
        self.emulator.state.bump()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    async def kill(self) -> None:
        if not self.alive():
            return
        assert self.proc is not None
        self.emulator.outage_begins(BOT_DOWN)
        os.kill(self.proc.pid, signal.SIGKILL)
        await asyncio.to_thread(self.proc.wait)
        self.kills += 1

    async def stop(self) -> None:
        """SIGTERM, then SIGKILL after 15 s (a clean stop, for the end of a drill)."""
        if not self.alive():
            return
        assert self.proc is not None
        self.proc.terminate()
        try:
            await asyncio.wait_for(asyncio.to_thread(self.proc.wait), 15)
        except TimeoutError:
            await self.kill()


@dataclass
class Stage:
    """Everything one drill run needs, made by `open_stage` and closed by `close_stage`."""

    db: Database
    emulator: DrillEmulator
    server: SandboxServer
    bot: BotProcess
    workdir: Path


async def open_stage(kind: str, workdir: Path, tag: str, managers: list[tuple[int, str]],
                     *, emulator: DrillEmulator | None = None,
                     township: list[tuple[int, str]] | None = None,
                     admin_url: str = PG_ADMIN_URL, wecom_state: WeComState | None = None,
                     **sections: Mapping[str, Any]) -> Stage:
    """Database, grid, managers, sandbox server and (not yet started) bot process; with
    `wecom_state`, WeCom's API stand-in is served beside the emulator and the `wecom` section
    points the bot at it."""
    workdir.mkdir(parents=True, exist_ok=True)
    db = Database.create(kind, workdir, tag, admin_url)
    try:
        await db.prepare(managers, township or [])
        emulator = emulator or DrillEmulator(token=DEFAULT_TOKEN,
                                             flood=FloodConfig(enabled=False))
        for uid, name in [*managers, *(township or [])]:
            emulator.users.create_user(name, user_id=uid, language_code="en")
            emulator.users.private_chat(uid)
        server = SandboxServer(emulator, "127.0.0.1", 0, wecom=wecom_state)
        await server.start()
    except BaseException:
        db.drop()
        raise
    if wecom_state is not None:
        sections = {**sections, "wecom": {**sections.get("wecom", {}),
                                          "api_base_url": server.url}}
    # scripted people are faster than any person: the flood guard would hold them up. A drill
    # packs an hour of faults into two minutes, so the repeat of an uncertain send waits 5 s,
    # not 30: one chat's alerts go in order, and three timeouts in a row on the one manager's
    # chat (10 s each, then the wait) outlasted the people's patience, though nothing was lost.
    sections = {"cases": {"reports_per_hour": 100_000}, "schedule": {"outbox_interval": "1s"},
                "outbox": {"repeat_after": "5s"},
                "limits": {"user_updates": 1_000_000}, **sections}
    config = write_config(workdir / f"{tag}.toml", server, db.url, workdir / f"{tag}-photos",
                          **sections)
    bot = BotProcess(config, workdir / f"{tag}.log", emulator, db.url)
    return Stage(db, emulator, server, bot, workdir)


async def close_stage(stage: Stage) -> None:
    try:
        await stage.bot.stop()
        await stage.server.stop()
    finally:
        if not os.environ.get("GRIDPATROL_DRILL_KEEP"):
            stage.db.drop()
