"""Pictures in the report conversation: photos, albums and files, checked by services.photos
off the event loop and attached to the draft; one acknowledgement per album."""

from __future__ import annotations

from typing import cast

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Message
from telegram.constants import ParseMode
from telegram.ext import JobQueue

from handlers.context import Ctx
from handlers.report.turn import Turn
from handlers.report.views import Out, photos_prompt, prompt, refusal
from models import Draft, Member
from services import photos
from services.i18n import Translator, translator
from services.photos import PhotoRejected, RejectReason
from services.photos.files import keep_file_at_commit
from services.reports import DraftError, ReportStep, drafts, place
from services.settings import Settings

ALBUM_ACK_DELAY = 1.5  # seconds after the last photo of an album before one acknowledgement


def picture_of(message: Message) -> tuple[str, str, int | None] | None:
    """(file_id, file_unique_id, size) of the photo or file in the message."""
    if message.photo:
        largest = message.photo[-1]
        return largest.file_id, largest.file_unique_id, largest.file_size
    if message.document is not None:
        doc = message.document
        return doc.file_id, doc.file_unique_id, doc.file_size
    return None


async def take_picture(turn: Turn, message: Message) -> bool:
    """Download, check and store the picture, and attach it to the draft; tell why not."""
    draft, t, settings = turn.draft, turn.t, turn.settings
    assert draft is not None
    picture = picture_of(message)
    if picture is None:
        return False
    file_id, unique_id, size = picture
    try:
        await drafts.ensure_photo_room(turn.session, draft, settings.cases)
    except DraftError as refused:
        if _first_refusal_of_album(turn, message):
            turn.say(refusal(refused, t))
        return False
    limits = settings.photos
    if size is not None and size > limits.max_file_bytes:
        turn.say(PhotoRejected(RejectReason.TOO_LARGE,
                               limit_mb=limits.max_file_bytes // 1_000_000).render(t))
        return False
    await turn.session.commit()  # no transaction open across the download and Pillow
    tg_file = await turn.ctx.bot.get_file(file_id)
    data = bytes(await tg_file.download_as_bytearray())
    try:
        facts, stored = await photos.ingest(data, limits, settings.photos_dir,
                                            settings.locale.timezone)
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
                               file_id=file_id if message.photo else None,
                               file_unique_id=unique_id)
        await keep_file_at_commit(turn.session, settings.photos_dir, data, facts.sha256)
    except DraftError as refused:
        turn.say(refusal(refused, t))
        if refused.reason != "already_have_photo":
            return False
        turn.draft = current  # the count and Done follow, as for a new photo
        return True
    caption = (message.caption or "").strip()
    if caption and not current.description and len(caption) <= settings.cases.max_description:
        await drafts.set_description(turn.session, current, caption, turn.now, settings.cases)
    turn.draft = current
    return True


def _first_refusal_of_album(turn: Turn, message: Message) -> bool:
    """An album past the limit is refused once, not once per photo."""
    group = message.media_group_id
    chat_data = turn.ctx.chat_data
    if not group or chat_data is None:
        return True
    seen: set[str] = chat_data.setdefault("report_full_albums", set())
    if group in seen:
        return False
    seen.add(group)
    return True


async def photos_step(turn: Turn, message: Message) -> None:
    assert turn.draft is not None
    if picture_of(message) is None:
        turn.say(_not_a_photo(message, turn.t))
        return
    await receive_picture(turn, message)


async def receive_picture(turn: Turn, message: Message) -> None:
    """Keep the picture, then answer: once per album (after its last picture), else at once."""
    if not await take_picture(turn, message) or turn.draft is None:
        return
    if message.media_group_id:
        schedule_album_ack(turn, message.media_group_id)
        return
    turn.outs.extend(await photos_received(turn.session, turn.draft, turn.settings,
                                           turn.locator, turn.t))


def _not_a_photo(message: Message, t: Translator) -> str:
    if message.sticker is not None:
        return t("A sticker cannot show the problem. Please send a photo of it, then press Done.")
    if message.voice is not None or message.audio is not None:
        return t("Voice notes cannot be kept as evidence. Please send a photo of the problem; "
                 "you can describe it in words at the next steps.")
    if message.video is not None or message.video_note is not None or message.animation:
        return t("Videos cannot be used yet. Please send a photo of the problem.")
    return t("Please send a photo of the problem (or press Done when you have sent them all).")


def schedule_album_ack(turn: Turn, group_id: str) -> None:
    """One acknowledgement per album, shortly after its last photo (albums have no end mark)."""
    queue = cast("JobQueue[Ctx] | None", turn.ctx.job_queue)  # PTB leaves its type open here
    if queue is None:
        return
    name = f"report-album:{turn.chat_id}:{group_id}"
    for job in queue.get_jobs_by_name(name):
        job.schedule_removal()
    queue.run_once(_album_ack, ALBUM_ACK_DELAY, data=(turn.chat_id, turn.member.id), name=name,
                   chat_id=turn.chat_id)


async def _album_ack(ctx: Ctx) -> None:
    job = ctx.job
    assert job is not None
    assert isinstance(job.data, tuple)
    chat_id, member_id = int(job.data[0]), int(job.data[1])
    settings = ctx.deps.settings
    async with ctx.deps.sessions() as session:
        member = await session.get(Member, member_id)
        draft = await drafts.open_draft(session, member_id)
        if member is None or draft is None:
            return
        t = translator(member.language)
        outs = await photos_received(session, draft, settings, ctx.deps.grid, t)
    for out in outs:
        await ctx.bot.send_message(chat_id, out.text, parse_mode=ParseMode.HTML,
                                   reply_markup=out.markup)


async def photos_received(session: AsyncSession, draft: Draft, settings: Settings,
                          locator: place.Locator, t: Translator) -> list[Out]:
    """The answer to new photos: the count and Done at the photo step; before it (photos sent
    right after /report) the count and the question still open."""
    count = await drafts.photo_count(session, draft.id)
    if draft.step == ReportStep.PHOTOS:
        return [photos_prompt(draft, count, settings.cases.max_photos, t)]
    note = Out(t("Photos so far: {count} of {limit}.", count=count,
                 limit=settings.cases.max_photos))
    return [note, *await prompt(session, draft, settings, locator, t)]
