"""A case through the bot: people with roles, a report walked to the case, the outbox run until
nothing is due. Shared by the case-action, card, group, ledger and admin-chat tests."""

from __future__ import annotations

from sqlalchemy import func, select

from models import Case, Member, Outbox, OutboxState, Role, utcnow
from tests.support import images
from tests.support.harness import SimUser, TelegramHarness
from tests.support.report_world import IN_GRADE1, add_manager, buttons, deps, press


async def person(
    h: TelegramHarness, uid: int, name: str, cell: str | None = None, role: Role = Role.MANAGER
) -> SimUser:
    if cell is not None:
        await add_manager(deps(h).sessions, uid, name, cell, role)
    user = h.user(name, language_code="en", user_id=uid)
    await h.send_text(user, "/start")
    return user


async def send_outbox(h: TelegramHarness) -> None:
    """Run the outbox job now, again until no notice is due: one run sends what fits its time
    budget and a chat gets a message a second, so three notices to one reporter may take two
    runs on a busy machine. (TelegramHarness.run_jobs reads `job.next_t`, gone in PTB 22.)"""
    queue = h.app.job_queue
    assert queue is not None
    for _ in range(10):
        for job in queue.jobs():
            if job.name == "outbox":
                await job.run(h.app)
        await h.flush()
        async with deps(h).sessions() as s:
            due = await s.scalar(select(func.count(Outbox.id)).where(
                Outbox.state == OutboxState.PENDING, Outbox.next_attempt_at <= utcnow()))
        if not due:
            return


async def report_a_case(h: TelegramHarness, volunteer: SimUser, seed: int = 11,
                        place: tuple[float, float] = IN_GRADE1, *, as_file: bool = False) -> Case:
    """A report walked through the bot; `as_file`: its photo sent as a file that keeps EXIF."""
    await h.send_text(volunteer, "/report")
    await press(h, volunteer, "Dumped garbage")
    if as_file:
        await h.send_document(volunteer, images.jpeg_with_exif(seed=seed, lat=place[0],
                                                               lon=place[1]),
                              "IMG_0001.jpg", "image/jpeg")
    else:
        await h.send_photo(volunteer, images.jpeg(seed=seed))
    await press(h, volunteer, "✅ Done")
    await h.send_location(volunteer, *place)
    await press(h, volunteer, "Skip")
    severity = h.last_message(volunteer)
    await h.press(volunteer, severity, next(b for b in buttons(severity) if b.endswith("high")))
    await press(h, volunteer, "✅ Send the report")
    async with deps(h).sessions() as s:
        case = (await s.scalars(select(Case).order_by(Case.id.desc()))).first()
    assert case is not None
    return case


async def member_id(h: TelegramHarness, uid: int) -> int:
    async with deps(h).sessions() as s:
        found = await s.scalar(select(Member.id).where(Member.platform_user_id == str(uid)))
        assert found is not None
        return found
