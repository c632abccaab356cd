"""Who is talking, in any chat: the member behind an Inbound, the language to answer in, and
the answers everyone gets the same way (send /start first; your access was removed; an old
button)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.chat import Answer, Inbound, Reply
from handlers.deps import Deps
from handlers.words import DEACTIVATED, START_FIRST
from models import Member
from services.i18n import N_, Translator, normalize, translator
from services.members import Person, find_member, is_invite, use_identity
from services.workflow import LostRace, attempt, moved_on

OLD_BUTTON = N_("This button no longer works. Send /help to see what you can do.")


def person_of(inbound: Inbound) -> Person:
    """The person behind `inbound`, to register or to bind an invite to."""
    who = inbound.who
    return Person(who.channel, who.user_id, who.chat_id, who.name,
                  who.language_code)


def language_of(inbound: Inbound, deps: Deps, member: Member | None = None) -> str:
    """The member's chosen language, else the chat's language for the person, else the default."""
    if member is not None:
        return member.language
    return normalize(inbound.who.language_code, deps.settings.locale.default)


def tr(inbound: Inbound, deps: Deps, member: Member | None = None) -> Translator:
    return translator(language_of(inbound, deps, member))


async def load_member(inbound: Inbound, deps: Deps) -> Member | None:
    """The registered member behind this message or press (detached; reload it to change it)."""
    async with deps.sessions() as session:
        return await find_member(session, inbound.who.channel, inbound.who.user_id)


def say(inbound: Inbound, text: str, *, alert: bool = True) -> Answer:
    """`text` as the press's alert, or as a reply to a message."""
    if inbound.press is not None:
        return Answer(toast=text, alert=alert)
    return Answer([Reply(text)])


def start_first(inbound: Inbound, deps: Deps) -> Answer:
    return say(inbound, tr(inbound, deps)(START_FIRST))


def deactivated(inbound: Inbound, member: Member) -> Answer:
    return say(inbound, translator(member.language)(DEACTIVATED))


async def gate(inbound: Inbound, deps: Deps) -> Answer | None:
    """Before every private command: someone not registered is told to /start, someone
    deactivated that they no longer have access (only a new invite brings them back); None
    lets the command through."""
    command = inbound.command
    if not command:
        return None
    member = await load_member(inbound, deps)
    if member is None:
        return None if command == "/start" else start_first(inbound, deps)
    if member.deactivated_at is None:
        who = inbound.who
        if (member.platform, member.platform_user_id) != (who.channel, who.user_id):
            async with deps.sessions() as session:  # written from another of their accounts
                current = await session.get(Member, member.id)
                if current is not None:
                    await use_identity(session, current, person_of(inbound))
                    await session.commit()
        return None
    if command == "/start" and inbound.args:
        async with deps.sessions() as session:
            if await is_invite(session, inbound.args[0]):
                return None  # a new invite is the way back
    return deactivated(inbound, member)


async def old_button(inbound: Inbound, deps: Deps) -> Answer:
    """A press no conversation claimed (an old or forged button): answered, or the client spins."""
    return Answer(toast=tr(inbound, deps)(OLD_BUTTON), alert=True)


async def as_member(inbound: Inbound, deps: Deps,
                    work: Callable[[AsyncSession, Member], Awaitable[Answer]]) -> Answer:
    """One unit of work for the registered member behind `inbound` (`workflow.attempt`: run
    again on a lost race): the member read in it, `work` run and committed; someone unknown is
    told to /start first, and a case that kept changing under three tries is told as moved on."""

    async def unit(session: AsyncSession) -> Answer:
        member = await find_member(session, inbound.who.channel, inbound.who.user_id)
        if member is None:
            return start_first(inbound, deps)
        return await work(session, member)

    try:
        return await attempt(deps.sessions, unit)
    except LostRace as lost:
        return await kept_changing(inbound, deps, lost)


async def kept_changing(inbound: Inbound, deps: Deps, lost: LostRace) -> Answer:
    """A unit of work that lost its race every time: where the case is now, as for a press on
    a case that moved on."""
    async with deps.sessions() as session:
        member = await find_member(session, inbound.who.channel, inbound.who.user_id)
        t = tr(inbound, deps, member)
        if lost.case_id is None:
            return say(inbound, t(OLD_BUTTON))
        return say(inbound, (await moved_on(session, lost.case_id)).message(t)[:200])
