"""Ways into the report from outside the private chat: a group's "report in private" link
(`/start report`) and a water source's poster (`/start ws-CODE` or `/start wsid-ID`, its QR
code). Someone new is registered as a volunteer on the way in."""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.chat import Answer, Inbound
from handlers.deps import Deps
from handlers.people import person_of
from handlers.report.conversation import finish, start, told
from handlers.report.drafts_known import note_draft
from handlers.report.turn import Turn, open_turn
from handlers.report.views import refusal
from handlers.words import DEACTIVATED, escape
from models import Member, WaterSource
from services.grid import source_by_code
from services.i18n import translator
from services.members import register_member
from services.reports import DraftError, drafts

REPORT_PAYLOAD = "report"  # https://t.me/<bot>?start=report opens the report in private
POSTER_PAYLOAD = re.compile(r"^ws(id)?-([A-Za-z0-9_-]{1,61})$")


def is_report_link(inbound: Inbound) -> bool:
    return inbound.who.private and inbound.command == "/start" and inbound.args == [
        REPORT_PAYLOAD]


def is_poster(inbound: Inbound) -> bool:
    args = inbound.args
    return (inbound.who.private and inbound.command == "/start" and len(args) == 1
            and POSTER_PAYLOAD.match(args[0]) is not None)


async def _member(session: AsyncSession, inbound: Inbound, deps: Deps) -> Member:
    member, _ = await register_member(session, person_of(inbound), deps.settings.locale.default)
    return member


async def from_report_link(inbound: Inbound, deps: Deps) -> Answer:
    """/start report in private (from a group's button): register if new, then /report."""
    async with deps.sessions() as session:
        member, draft = await drafts.member_and_draft(session, inbound.who.channel,
                                                      inbound.who.user_id)
        if member is None:
            member = await _member(session, inbound, deps)
        turn = open_turn(inbound, deps, session, member, draft)
        await start(turn)
        await session.commit()
    note_draft(deps, inbound.who, turn.has_draft)
    return finish(turn)


async def _poster_source(session: AsyncSession, payload: str) -> WaterSource | None:
    match = POSTER_PAYLOAD.match(payload)
    if match is None:
        return None
    key = match.group(2)
    if match.group(1):
        return await session.get(WaterSource, int(key)) if key.isdigit() else None
    return await source_by_code(session, key)


async def from_poster(inbound: Inbound, deps: Deps) -> Answer | None:
    """/start ws-CODE: register if new, then a report at that source. None when it names no
    known source: the payload is an invite code after all (the start command handles it)."""
    async with deps.sessions() as session:
        source = await _poster_source(session, inbound.args[0] if inbound.args else "")
        if source is None:
            return None
        member, draft = await drafts.member_and_draft(session, inbound.who.channel,
                                                      inbound.who.user_id)
        if member is None:
            member = await _member(session, inbound, deps)
        if member.deactivated_at is not None:
            return told(inbound, translator(member.language)(DEACTIVATED))
        turn = open_turn(inbound, deps, session, member, draft)
        if draft is not None:
            await start(turn)  # the open report first: continue it or start anew
        else:
            await _start_at(turn, source)
        await session.commit()
    note_draft(deps, inbound.who, turn.has_draft)
    return finish(turn)


async def _start_at(turn: Turn, source: WaterSource) -> None:
    try:
        started = await drafts.start_draft(
            turn.session, turn.member, turn.chat_id, turn.now, turn.settings.cases,
            prefill={"source_id": source.id, "poster": True})
    except DraftError as refused:
        turn.say(refusal(refused, turn.t))
        return
    turn.draft = started.draft
    turn.say(turn.t("💧 Reporting a problem at {source}. Thank you for looking after it.",
                    source=escape(source.name)))
    await turn.ask()
