"""Gathers what a drill left behind (drill.facts) from the database and the emulator's chats,
for drill.verdict to judge."""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

import sqlalchemy as sa

from drill.facts import Facts, Notice, Outage, Said, Silence
from drill.world import DrillEmulator
from models import Case, CaseEvent, Member, Outbox, OutboxState, Photo
from models.db import make_engine, make_session_factory


async def settled(url: str) -> tuple[int, int, int, int]:
    """(cases, cases a manager was alerted to but has not accepted, notices still to send,
    notices left uncertain)."""
    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as s:
            cases = await s.scalar(sa.select(sa.func.count()).select_from(Case)) or 0
            alerted = sa.exists().where(Outbox.case_id == Case.id, Outbox.kind == "case_new",
                                        Outbox.state == OutboxState.SENT)
            waiting = await s.scalar(sa.select(sa.func.count()).select_from(Case).where(
                Case.state == "submitted", alerted)) or 0
            queued = await s.scalar(sa.select(sa.func.count()).select_from(Outbox).where(
                Outbox.state.in_([OutboxState.PENDING, OutboxState.SENDING]))) or 0
            uncertain = await s.scalar(sa.select(sa.func.count()).select_from(Outbox).where(
                Outbox.state == OutboxState.UNCERTAIN)) or 0
    finally:
        await engine.dispose()
    return int(cases), int(waiting), int(queued), int(uncertain)


async def gather(url: str, emulator: DrillEmulator, *, reports: int, reporters: list[int],
                 managers: list[int], blocked: tuple[int, ...] = (),
                 watchers: tuple[int, ...] = (), silences: list[Silence] | None = None,
                 outages: list[Outage] | None = None) -> Facts:
    """The database's cases, photos, events and notices, and the bot's messages in every chat
    of the drill's people; a press's silence learns whether it was answered later."""
    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as s:
            cases: list[Any] = list((await s.execute(sa.select(Case.id, Case.number))).all())
            photos = Counter(cid for (cid,) in (await s.execute(
                sa.select(Photo.case_id).where(Photo.case_id.is_not(None)))).all()
                if cid is not None)
            events = Counter((cid, kind) for cid, kind in (await s.execute(
                sa.select(CaseEvent.case_id, CaseEvent.kind))).all())
            rows = list((await s.scalars(sa.select(Outbox).order_by(Outbox.id))).all())
            inactive = [uid for (uid,) in (await s.execute(sa.select(Member.platform_user_id)
                        .where(Member.active.is_(False)))).all()]
    finally:
        await engine.dispose()
    notices = [Notice(r.id, r.case_id, r.kind, _int(r.chat_id), str(r.state),
                      dict(r.payload or {}),
                      tuple(int(m) for m in (r.result or {}).get("message_ids", []) or []),
                      r.last_error or "") for r in rows]
    said = [Said(chat, int(m["message_id"]), _text(m), sent=_sent(m))
            for chat in {*reporters, *managers, *watchers}
            for m in emulator.bot_messages(chat)]
    callbacks = emulator.state.callbacks
    heard = [dataclasses.replace(x, answered_late=x.query is not None and x.query in callbacks
                                 and callbacks[x.query].answered) for x in silences or []]
    return Facts(reports=reports, cases={cid: number for cid, number in cases}, photos=photos,
                 events=events, notices=notices, said=said, reporters=reporters,
                 managers=managers, blocked=blocked, watchers=watchers, inactive=inactive,
                 outages=list(outages or []), silences=heard)


def _text(message: dict[str, Any]) -> str:
    return str(message.get("text") or message.get("caption") or "")


def _sent(message: dict[str, Any]) -> str | None:
    """The text a message had when it was sent, if it was edited since."""
    history = message.get("edit_history") or []
    return _text(history[0]) if history else None


def _int(chat: str) -> int:
    try:
        return int(chat)
    except ValueError:
        return 0
