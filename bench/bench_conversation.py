"""One text step of the report conversation vs PTB's own floor, measured in the same run.

ours: `Update.de_json` + `process_update` of a description message through the real bot
(`bot.telegram.app.build_application`, every handler registered) on a migrated SQLite file in
WAL mode: member and draft lookup, the description saved and the step advanced, one commit, then the
reply (the severity question) serialised and "sent" to a Bot API stand-in that answers at once.
baseline: `Update.de_json` + `process_update` of the same message into a bare Application with
one no-op MessageHandler. Both: the median of many single updates, in microseconds.

What it is: the ratio is dominated by the database (two selects, one update, one commit on
aiosqlite), not by the handler code; NOTES.md measured ~1 ms per ORM commit on aiosqlite, ten
times PTB's floor. The goal of 4x is therefore not met by any step that writes, and we say so.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import select, update
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ApplicationBuilder, MessageHandler, filters
from telegram.request import BaseRequest, RequestData

from bench.common import Figure
from bot.config import load_settings
from bot.telegram.app import build_application
from models import Draft, Member
from models.db import make_engine, make_session_factory
from services.database import upgrade
from services.demo import DEMO_GRID
from services.grid import import_grid
from services.reports import PlaceSource, ReportStep, drafts

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:BENCH"
USER_ID = 424242
ROUNDS = 400
WARMUP = 30


class InstantBotApi(BaseRequest):
    """A Bot API that answers every call at once with a plausible result (no I/O)."""

    _BOT: ClassVar[dict[str, Any]] = {"id": 123456, "is_bot": True, "first_name": "Bench",
                                      "username": "bench_bot"}
    _MESSAGE: ClassVar[dict[str, Any]] = {"message_id": 1, "date": 0, "from": _BOT,
                                          "chat": {"id": USER_ID, "type": "private"}, "text": "ok"}

    @property
    def read_timeout(self) -> float:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = None, write_timeout: Any = None,
                         connect_timeout: Any = None, pool_timeout: Any = None,
                         ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        result: Any = True
        if name == "getMe":
            result = self._BOT
        elif name.startswith(("send", "edit")):
            result = self._MESSAGE
        return 200, json.dumps({"ok": True, "result": result}).encode()


def _message(update_id: int, text: str) -> dict[str, Any]:
    user = {"id": USER_ID, "is_bot": False, "first_name": "Bench", "language_code": "en"}
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()), "text": text, "from": user,
        "chat": {"id": USER_ID, "type": "private", "first_name": "Bench"}}}


async def _ours(workdir: Path) -> tuple[list[float], list[float]]:
    url = f"sqlite:///{workdir / 'bench.db'}"
    await asyncio.to_thread(upgrade, url)

    def edit(data: dict[str, Any]) -> None:
        data.setdefault("database", {})["url"] = url
        data.setdefault("storage", {})["photos_dir"] = str(workdir / "photos")
        data.setdefault("telegram", {})["token"] = TOKEN
        # One scripted person sends thousands of steps: the per-person flood guard is not measured.
        data.setdefault("limits", {})["user_updates"] = 10**9

    settings = load_settings(ROOT / "config.toml", overrides=edit)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    grid = json.loads(DEMO_GRID.read_text(encoding="utf-8"))
    async with sessions() as s:
        await import_grid(s, grid)
        await s.commit()
        member = Member(platform_user_id=str(USER_ID), chat_id=str(USER_ID),
                        display_name="Bench", language="en")
        s.add(member)
        await s.flush()
        draft = (await drafts.start_draft(s, member, str(USER_ID), _now(), settings.cases)).draft
        category = settings.category("garbage")
        assert category is not None
        await drafts.set_category(s, draft, category, _now())
        draft.lat, draft.lon, draft.place_source = 30.79, 119.96, PlaceSource.LOCATION
        await s.commit()
        draft_id = draft.id
    app = build_application(settings, sessions, request=InstantBotApi(),
                            get_updates_request=InstantBotApi())
    await app.initialize()
    async with sessions() as s:
        await app.bot_data["deps"].grid.reload(s)
    timings: list[float] = []
    for n in range(WARMUP + ROUNDS):
        async with sessions() as s:  # put the draft back at the description question, untimed
            await s.execute(update(Draft).where(Draft.id == draft_id)
                            .values(step=ReportStep.DESCRIPTION))
            await s.commit()
        raw = _message(n + 1, f"pipe discharging into the reservoir, round {n}")
        start = time.perf_counter()
        await app.process_update(Update.de_json(raw, app.bot))
        elapsed = time.perf_counter() - start
        if n >= WARMUP:
            timings.append(elapsed)
    async with sessions() as s:
        saved = await s.get(Draft, draft_id)
        assert saved is not None and saved.step == ReportStep.SEVERITY, "the step did not run"
    floor: list[float] = []
    for n in range(WARMUP + ROUNDS):  # the same database work, bare: one select, one update
        start = time.perf_counter()
        async with sessions() as s:
            await s.execute(select(Member.id, Draft.id).outerjoin(
                Draft, Draft.member_id == Member.id).where(
                Member.platform == "telegram", Member.platform_user_id == str(USER_ID)))
            await s.execute(update(Draft).where(Draft.id == draft_id).values(
                step=ReportStep.SEVERITY, description=f"round {n}"))
            await s.commit()
        elapsed = time.perf_counter() - start
        if n >= WARMUP:
            floor.append(elapsed)
    await app.shutdown()
    await engine.dispose()
    return timings, floor


async def _baseline(*, reply: bool = False) -> list[float]:
    """PTB alone: a no-op handler, or (`reply`) one that only sends a reply with 6 buttons."""

    async def noop(_update: Update, _ctx: object) -> None:
        return None

    async def answer(update: Update, _ctx: object) -> None:
        assert update.effective_chat is not None
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(f"{row}{col}", callback_data=(
            f"r|abcdef|sv|{row}{col}")) for col in range(2)] for row in range(3)])
        await update.effective_chat.send_message("How serious is it?", parse_mode="HTML",
                                                 reply_markup=keyboard)

    app = ApplicationBuilder().token(TOKEN).request(InstantBotApi()).get_updates_request(
        InstantBotApi()).build()
    app.add_handler(MessageHandler(filters.TEXT, answer if reply else noop))
    await app.initialize()
    timings: list[float] = []
    for n in range(WARMUP + ROUNDS):
        raw = _message(n + 1, f"pipe discharging into the reservoir, round {n}")
        start = time.perf_counter()
        await app.process_update(Update.de_json(raw, app.bot))
        elapsed = time.perf_counter() - start
        if n >= WARMUP:
            timings.append(elapsed)
    await app.shutdown()
    return timings


def _now() -> Any:
    from models import utcnow

    return utcnow()


def run() -> list[Figure]:
    workdir = Path(tempfile.mkdtemp(prefix="bench-conversation-"))
    try:
        baseline = asyncio.run(_baseline())
        replying = asyncio.run(_baseline(reply=True))
        ours, floor = asyncio.run(_ours(workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    ours_us = statistics.median(ours) * 1e6
    base_us = statistics.median(baseline) * 1e6
    floor_us = statistics.median(floor) * 1e6
    reply_us = statistics.median(replying) * 1e6
    return [Figure(
        name="report: one text step (description) vs PTB no-op",
        ours=ours_us,
        baseline=base_us,
        unit="µs",
        goal=4.0,
        note=(f"ours includes one select, one update and the commit on aiosqlite (that work "
              f"alone: {floor_us:.0f} µs) and the reply (PTB sending one reply alone: "
              f"{reply_us:.0f} µs); ours minus the DB work: {(ours_us - floor_us) / base_us:.1f}x"),
    ), Figure(
        name="report: the same step's database work alone vs PTB no-op",
        ours=floor_us,
        baseline=base_us,
        unit="µs",
        goal=4.0,
        note="bare SQLAlchemy: select member+draft, update draft, commit (SQLite WAL)",
    )]
