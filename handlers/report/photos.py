"""Pictures in the report conversation: photos, albums and files, checked by services.photos
off the event loop and attached to the draft; one acknowledgement per album."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.chat import Inbound, Later, Reply
from handlers.deps import Deps
from handlers.report.turn import Turn
from handlers.report.views import photos_prompt, prompt, refusal
from models import Draft, Member
from services import photos
from services.i18n import Translator, translator
from services.photos import PhotoRejected, RejectReason
from services.photos.stores import photo_store
from services.reports import DraftError, ReportStep, drafts, place
from services.settings import Settings

ALBUM_ACK_DELAY = 1.5  # seconds after the last photo of an album before one acknowledgement


async def take_picture(turn: Turn) -> bool:
    """Fetch, check and store the picture, and attach it to the draft; tell why not."""
    draft, t, settings, inbound = turn.draft, turn.t, turn.settings, turn.inbound
    assert draft is not None
    picture = inbound.picture
    if picture is None:
        return False
    try:
        await drafts.ensure_photo_room(turn.session, draft, settings.cases)
    except DraftError as refused:
        if _first_refusal_of_album(inbound):
            turn.say(refusal(refused, t))
        return False
    limits = settings.photos
    if picture.size is not None and picture.size > limits.max_file_bytes:
        turn.say(PhotoRejected(RejectReason.TOO_LARGE,
                               limit_mb=limits.max_file_bytes // 1_000_000).render(t))
        return False
    await turn.session.commit()  # no transaction open across the download and Pillow
    data = await inbound.fetch(picture.ref)
    store = photo_store(settings, turn.session)
    try:
        facts, stored = await photos.ingest(data, limits, store, settings.locale.timezone)
    except PhotoRejected as rejected:
        turn.say(rejected.render(t))
        return False
    current = await drafts.open_draft(turn.session, turn.member.id)
    if current is None:
        turn.draft = None
        return False
    try:
        # A file keeps its EXIF (GPS): it is never sent on by its own id, only as the
        # stamped display copy (services.cases.display), whose photo id is kept once sent.
        await drafts.add_photo(turn.session, current, facts, stored, turn.now, settings.cases,
                               file_id=picture.resend, file_unique_id=picture.unique)
        await store.keep_at_commit(turn.session, stored, data)
    except DraftError as refused:
        turn.say(refusal(refused, t))
        if refused.reason != "already_have_photo":
            return False
        turn.draft = current  # the count and Done follow, as for a new photo
        return True
    caption = inbound.caption.strip()
    if caption and not current.description and len(caption) <= settings.cases.max_description:
        await drafts.set_description(turn.session, current, caption, turn.now, settings.cases)
    turn.draft = current
    return True


def _first_refusal_of_album(inbound: Inbound) -> bool:
    """An album past the limit is refused once, not once per photo."""
    if not inbound.album:
        return True
    seen: set[str] = inbound.memo.setdefault("report_full_albums", set())
    if inbound.album in seen:
        return False
    seen.add(inbound.album)
    return True


async def photos_step(turn: Turn) -> None:
    assert turn.draft is not None
    if turn.inbound.picture is None:
        turn.say(_not_a_photo(turn.inbound, turn.t))
        return
    await receive_picture(turn)


async def receive_picture(turn: Turn) -> None:
    """Keep the picture, then answer: once per album (after its last picture), else at once."""
    if not await take_picture(turn) or turn.draft is None:
        return
    album = turn.inbound.album
    if album:
        turn.later(_album_ack(turn.deps, turn.member.id, f"report-album:{turn.chat_id}:{album}"))
        return
    turn.answer_out.replies.extend(await photos_received(turn.session, turn.draft, turn.settings,
                                                         turn.locator, turn.t))


def _not_a_photo(inbound: Inbound, t: Translator) -> str:
    if inbound.other == "sticker":
        return t("A sticker cannot show the problem. Please send a photo of it, then press Done.")
    if inbound.other in ("voice", "audio"):
        return t("Voice notes cannot be kept as evidence. Please send a photo of the problem; "
                 "you can describe it in words at the next steps.")
    if inbound.other in ("video", "video_note", "animation"):
        return t("Videos cannot be used yet. Please send a photo of the problem.")
    return t("Please send a photo of the problem (or press Done when you have sent them all).")


def _album_ack(deps: Deps, member_id: int, key: str) -> Later:
    """One acknowledgement per album, shortly after its last photo (albums have no end mark)."""

    async def make() -> list[Reply]:
        async with deps.sessions() as session:
            member = await session.get(Member, member_id)
            draft = await drafts.open_draft(session, member_id)
            if member is None or draft is None:
                return []
            return await photos_received(session, draft, deps.settings, deps.grid,
                                         translator(member.language))

    return Later(key, ALBUM_ACK_DELAY, make)


async def photos_received(session: AsyncSession, draft: Draft, settings: Settings,
                          locator: place.Locator, t: Translator) -> list[Reply]:
    """The answer to new photos: the count and Done at the photo step; before it (photos sent
    right after /report) the count and the question still open."""
    count = await drafts.photo_count(session, draft.id)
    if draft.step == ReportStep.PHOTOS:
        return [photos_prompt(draft, count, settings.cases.max_photos, t)]
    note = Reply(t("Photos so far: {count} of {limit}.", count=count,
                   limit=settings.cases.max_photos))
    return [note, *await prompt(session, draft, settings, locator, t)]
