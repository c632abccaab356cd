"""The messages an order conversation waits for: the issuer's own demand, the answer's text and
photos (kept at once, so a restart loses nothing), and the reason an answer is sent back."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import pending
from handlers.chat import Answer, Inbound, Reply
from handlers.deps import Deps
from handlers.orders import views
from handlers.orders.kinds import ANSWER_KIND, DEMAND_KIND, KINDS, RETURN_KIND
from handlers.people import tr
from handlers.words import escape
from models import Member, PendingAction, utcnow
from services.i18n import Translator
from services.members import find_member
from services.notices.card_refresh import queue_card_refresh
from services.orders import decide_order, discard_order_photos, record_order_photo
from services.photos import PhotoFacts, PhotoRejected, RejectReason, ingest
from services.photos.stores import photo_store

DEMAND_LIMIT = 1000  # characters of a demand or an answer's message kept


def claims(inbound: Inbound, deps: Deps) -> bool:
    """A private text (or, for an answer, a photo) while an order question is open; of the
    commands only /cancel."""
    if inbound.press is not None or not inbound.who.private:
        return False
    if pending.kind_for(deps, inbound.who) not in KINDS:
        return False
    if inbound.command:
        return inbound.command == "/cancel"
    return bool(inbound.words) or inbound.picture is not None


@dataclass(frozen=True)
class _Photo:
    data: bytes
    facts: PhotoFacts
    path: str


async def _check_photo(inbound: Inbound, deps: Deps, t: Translator) -> _Photo | str:
    """The picture fetched and checked, with no transaction open, or why it cannot be taken."""
    picture = inbound.picture
    assert picture is not None
    limits = deps.settings.photos
    if picture.size is not None and picture.size > limits.max_file_bytes:
        return PhotoRejected(RejectReason.TOO_LARGE,
                             limit_mb=limits.max_file_bytes // 1_000_000).render(t)
    data = await inbound.fetch(picture.ref)
    try:
        facts, path = await ingest(data, limits, photo_store(deps.settings, deps.sessions),
                                   deps.settings.locale.timezone)
    except PhotoRejected as rejected:
        return escape(rejected.render(t))
    return _Photo(data, facts, path)


async def converse(inbound: Inbound, deps: Deps) -> Answer | None:
    """One message of an order conversation (None: the question had gone; the message passes
    on). A photo is fetched and checked before the unit of work that keeps it."""
    who = inbound.who
    photo: _Photo | str | None = None
    if inbound.picture is not None and pending.kind_for(deps, who) == ANSWER_KIND:
        photo = await _check_photo(inbound, deps, tr(inbound, deps))
    async with deps.sessions() as session:
        member = await find_member(session, who.channel, who.user_id)
        row = await pending.load(session, member) if member is not None else None
        if member is None or row is None or row.kind not in KINDS:
            return None
        t = tr(inbound, deps, member)
        if inbound.command == "/cancel":
            if row.kind == ANSWER_KIND:  # the photos of an answer never given go too
                await discard_order_photos(
                    session, member.id, [int(i) for i in row.data.get("photo_ids") or []],
                    photo_store(deps.settings, session))
            await pending.end(session, deps, member)
            await session.commit()
            return Answer([Reply(t("Cancelled."))])
        if row.kind == DEMAND_KIND:
            return await _demand(session, deps, member, row, inbound, t)
        if row.kind == RETURN_KIND:
            return await _reason(session, deps, member, row, inbound, t)
        return await _answer(session, deps, member, row, inbound, photo, t)


async def _demand(session: AsyncSession, deps: Deps, member: Member, row: PendingAction,
                  inbound: Inbound, t: Translator) -> Answer:
    assert row.case_id is not None
    if not inbound.words:
        return Answer([Reply(t("Write the demand in one message."))])
    demand = inbound.words[:DEMAND_LIMIT]
    await pending.save(session, member, "deadline", {"demand": demand})
    await session.commit()
    return Answer([views.deadline_choice(row.case_id, views.OWN, demand, t)])


async def _reason(session: AsyncSession, deps: Deps, member: Member, row: PendingAction,
                  inbound: Inbound, t: Translator) -> Answer:
    """The reason: the answer goes back (the question ends first, so a refusal asks no more)."""
    if not inbound.words:
        return Answer([Reply(t("Please give the reason for sending the answer back."))])
    order_id = int(row.data.get("order_id") or 0)
    await pending.end(session, deps, member)
    outcome = await decide_order(session, order_id, member, False, utcnow(),
                                 inbound.words[:DEMAND_LIMIT])
    if not outcome.ok:
        await session.commit()  # the question is over all the same
        return Answer([Reply(t(outcome.reason))])
    assert outcome.case is not None
    await queue_card_refresh(session, outcome.case.id)
    await session.commit()
    return Answer([Reply(t("The answer was sent back; whoever answered is told the reason."))])


async def _answer(session: AsyncSession, deps: Deps, member: Member, row: PendingAction,
                  inbound: Inbound, photo: _Photo | str | None, t: Translator) -> Answer:
    data = dict(row.data)
    order_id = int(data.get("order_id") or 0)
    photo_ids = [int(i) for i in data.get("photo_ids") or []]
    if isinstance(photo, str):
        return Answer([Reply(photo)])
    if photo is not None:
        picture = inbound.picture
        assert picture is not None
        await photo_store(deps.settings, session).keep_at_commit(session, photo.path, photo.data)
        photo_ids.append(await record_order_photo(
            session, member.id, photo.facts, photo.path, utcnow(), file_id=picture.resend,
            file_unique_id=picture.unique))
        said = t.n("{count} photo received. Send more, or submit the answer.",
                   "{count} photos received. Send more, or submit the answer.", len(photo_ids))
    if inbound.words:
        text = str(data.get("text") or "")
        data["text"] = (text + "\n" + inbound.words if text else inbound.words)[:DEMAND_LIMIT * 4]
        said = t("Noted. Add photos if you have them, then submit the answer.")
    if photo is None and not inbound.words:
        return Answer([Reply(t("Write what was done, or send a photo."))])
    data["photo_ids"] = photo_ids
    await pending.save(session, member, "photos", data)
    await session.commit()
    return Answer([Reply(said, ((views.submit_button(order_id, t),),))])
