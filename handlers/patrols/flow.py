"""`/patrol` (巡库 / 巡河), in any channel: the patroller picks the water source, shares their
live location, and every point that comes (on Telegram, each move of the live location is an
edit of its message) is written at once; the patrol ends with its button, when the live
sharing stops, or by the sweep after a silence, and the patroller is shown its verdict."""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import pending
from handlers.chat import Answer, Attachment, Inbound, Key, Reply, Who
from handlers.deps import Deps
from handlers.engine import Conversation
from handlers.patrols.views import summary
from handlers.people import as_member, old_button, say, start_first
from handlers.route import Route
from handlers.words import escape
from models import Member, Patrol, PatrolState, Role, WaterSource, utcnow
from services import patrols
from services.i18n import N_, SUPPORTED, Translator, translator
from services.members import find_member
from services.notices.card import Button

PREFIX = "pt:"
COMMANDS: tuple[tuple[str, str], ...] = (
    ("patrol", N_("Patrol a water source: your live location is recorded as its track")),
)
# Patrols are the cadres' duty (党员干部巡库): not a volunteer's.
PATROL_ROLES = frozenset({Role.PATROLLER, Role.MANAGER, Role.LEADER, Role.SUPERVISOR,
                          Role.ADMIN})
COMMAND_ROLES = {"patrol": PATROL_ROLES}
NOT_CADRE = N_("Patrols are for patrollers and grid staff. Send /report to report a problem.")
END_BUTTON = N_("⏹ End the patrol")
GPX_BUTTON = N_("📤 The track as GPX")
PICTURE_BUTTON = N_("🗺 The track drawn")
PATROL_BUTTON = N_("🚶 Patrol")  # the key under the text field, for PATROL_ROLES
PATROL_LABELS = frozenset(translator(language)(PATROL_BUTTON) for language in SUPPORTED)
NO_SOURCE = N_("No water source is loaded yet, so there is nothing to patrol.")
WHICH = N_("Which water source are you patrolling?")
SHARE = N_("Patrol of {source}: share your live location now (📎 → Location → Share My Live "
           "Location) and keep it on while you walk. Press the button when you are done.")
BEGUN = N_("Your patrol of {source} has begun ({time}); every point is recorded. Press the "
           "button when you are done, or stop sharing your location.")
NOT_ON = N_("You are not on a patrol.")
REPLACED = N_("Your patrol before this one was ended.")


def _key(who: Who) -> str:
    return f"{who.channel}:{who.user_id}"


async def warm(deps: Deps, who: Who) -> None:
    """Learn once per process whether this person is on a patrol."""
    if not who.private or _key(who) in deps.patrols:
        return
    async with deps.sessions() as session:
        member = await load_member_in(session, who)
        deps.patrols[_key(who)] = member is not None and (
            await patrols.active(session, member.id)) is not None


async def load_member_in(session: AsyncSession, who: Who) -> Member | None:
    return await find_member(session, who.channel, who.user_id)


def patrol_key(member: Member | None, t: Translator) -> tuple[Key, ...]:
    """The patrol key of the keyboard under the text field, for those who patrol."""
    return (Key(t(PATROL_BUTTON)),) if member is not None and member.role_enum in \
        PATROL_ROLES else ()


def _pressed_key(inbound: Inbound) -> bool:
    return inbound.press is None and inbound.words in PATROL_LABELS


def claims(inbound: Inbound, deps: Deps) -> bool:
    """The patrol key; a location of someone on a patrol: a live one always, a single one
    unless a report in progress or a case action's question (a fix's place) asks for one."""
    if _pressed_key(inbound) and inbound.who.private:
        return True
    if inbound.location is None or not deps.patrols.get(_key(inbound.who), False):
        return False
    live = inbound.located is not None and inbound.located.live_period is not None
    return live or not (deps.drafts.get(_key(inbound.who), False)
                        or pending.kind_for(deps, inbound.who) is not None)


def end_buttons(patrol: Patrol, t: Translator) -> tuple[tuple[Button, ...], ...]:
    return ((Button(t(END_BUTTON), f"{PREFIX}e:{patrol.id}"),),)


async def on_patrol(inbound: Inbound, deps: Deps) -> Answer:
    async def work(session: AsyncSession, member: Member) -> Answer:
        t = translator(member.language)
        if member.role_enum not in PATROL_ROLES:
            return Answer([Reply(t(NOT_CADRE))])
        sources = await patrols.sources_for(session, member)
        if not sources:
            return Answer([Reply(t(NO_SOURCE))])
        rows = tuple((Button(s.name, f"{PREFIX}s:{s.id}"),) for s in sources[:30])
        return Answer([Reply(t(WHICH), buttons=rows)])

    return await as_member(inbound, deps, work)


async def on_press(inbound: Inbound, deps: Deps) -> Answer:
    parts = (inbound.press or "").split(":")
    if len(parts) != 3 or not parts[2].isdigit():
        return await old_button(inbound, deps)
    action, ident = parts[1], int(parts[2])
    if action == "m":
        return await _picture(inbound, deps, ident)

    async def work(session: AsyncSession, member: Member) -> Answer:
        t = translator(member.language)
        if member.role_enum not in PATROL_ROLES:
            return say(inbound, t(NOT_CADRE))
        if action == "s":
            source = await session.get(WaterSource, ident)
            if source is None:
                return say(inbound, t(NO_SOURCE))
            before = await patrols.active(session, member.id)
            patrol = await patrols.begin(session, member, source, deps.settings.patrols,
                                         utcnow())
            await session.commit()
            deps.patrols[_key(inbound.who)] = True
            text = t(SHARE, source=escape(source.name))
            if before is not None:
                text = t(REPLACED) + "\n" + text
            return Answer([Reply(text, buttons=end_buttons(patrol, t))], strip_buttons=True)
        pressed = await session.get(Patrol, ident)
        if action == "g" and pressed is not None and pressed.member_id == member.id:
            data = await patrols.patrol_gpx(session, pressed)
            return Answer([Reply(t(GPX_BUTTON), file=Attachment(
                data, f"patrol-{pressed.id}.gpx"))])
        if action != "e" or pressed is None or pressed.member_id != member.id \
                or pressed.state == PatrolState.CLOSED:
            return say(inbound, t(NOT_ON))
        return await _finish(session, deps, inbound, member, pressed, patrols.EndReason.BUTTON)

    return await as_member(inbound, deps, work)


async def _finish(session: AsyncSession, deps: Deps, inbound: Inbound, member: Member,
                  patrol: Patrol, reason: str) -> Answer:
    judgement = await patrols.end(session, patrol, reason, deps.settings.patrols, utcnow())
    source = await session.get(WaterSource, patrol.source_id)
    checkpoints = await patrols.checkpoints_of(session, patrol.source_id)
    text = summary(patrol, judgement, source.name if source else "", checkpoints,
                   translator(member.language))
    await session.commit()
    deps.patrols[_key(inbound.who)] = False
    return Answer([Reply(text, buttons=track_buttons(patrol, translator(member.language)))],
                  strip_buttons=inbound.press is not None)


def track_buttons(patrol: Patrol, t: Translator) -> tuple[tuple[Button, ...], ...]:
    """The ended patrol's track: as GPX, and drawn."""
    return ((Button(t(GPX_BUTTON), f"{PREFIX}g:{patrol.id}"),
             Button(t(PICTURE_BUTTON), f"{PREFIX}m:{patrol.id}")),)


async def _picture(inbound: Inbound, deps: Deps, patrol_id: int) -> Answer:
    """The patroller's own track drawn over its cell and zones; Pillow works after the session
    closed, in a thread."""
    gathered: list[patrols.TrackPicture] = []
    words: list[Translator] = []

    async def work(session: AsyncSession, member: Member) -> Answer:
        t = translator(member.language)
        pressed = await session.get(Patrol, patrol_id)
        if pressed is None or pressed.member_id != member.id:
            return say(inbound, t(NOT_ON))
        gathered.append(await patrols.track_picture(session, pressed))
        words.append(t)
        return Answer()

    refused = await as_member(inbound, deps, work)
    if not gathered:
        return refused
    png = await asyncio.to_thread(patrols.draw_track, gathered[0])
    return Answer([Reply(words[0](PICTURE_BUTTON), file=Attachment(
        png, f"patrol-{patrol_id}.png", image=True))])


async def on_location(inbound: Inbound, deps: Deps) -> Answer | None:
    """A point of the patrol: the first starts it (and is answered), the others are written
    silently; a live location that stopped ends the patrol with its verdict. (The patrol key
    is /patrol.)"""
    if _pressed_key(inbound):
        return await on_patrol(inbound, deps)
    if inbound.location is None:
        return None
    located = inbound.located
    async with deps.sessions() as session:
        member = await load_member_in(session, inbound.who)
        if member is None:
            return start_first(inbound, deps) if not (located and located.moved) else None
        patrol = await patrols.active(session, member.id)
        if patrol is None:
            deps.patrols[_key(inbound.who)] = False
            return None
        if located is not None and located.moved and patrol.message_id not in (
                None, located.message_id):
            return Answer()  # another live location than the patrol's
        lat, lon = inbound.location
        fix = patrols.Fix(lat, lon, located.at if located else utcnow(),
                          located.accuracy_m if located else None,
                          located.heading if located else None)
        first = patrol.state == PatrolState.WAITING
        if first and located is not None and located.live_period:
            patrol.message_id = located.message_id
        patrols.record(session, patrol, fix, deps.settings.patrols,
                       await patrols.checkpoints_of(session, patrol.source_id), heard=utcnow())
        if located is not None and located.moved and located.live_period == 0:
            return await _finish(session, deps, inbound, member, patrol,
                                 patrols.EndReason.STOPPED)
        await session.commit()
        if not first:
            return Answer()
        t = translator(member.language)
        source = await session.get(WaterSource, patrol.source_id)
        return Answer([Reply(t(BEGUN, source=escape(source.name if source else ""),
                               time=fix.at.astimezone(ZoneInfo(
                                   deps.settings.locale.timezone)).strftime("%H:%M")),
                             buttons=end_buttons(patrol, t))])


ROUTES = (Route(on_patrol, command="patrol"), Route(on_press, prefix=PREFIX))
CONVERSATION = Conversation("patrol", claims=claims, converse=on_location, warm=warm)
