"""A supervision order end to end on the emulated Telegram: issued from the case card, the
image card and the .docx reach the village, answered with words and a photo, sent back with
a reason, answered again and accepted, each by its button; the last .docx has it all."""

from __future__ import annotations

from sqlalchemy import select

from models import Case, GridCell, OrderState, Role, Stage, SupervisionOrder, utcnow
from models.db import SessionFactory
from services.deadlines import start_stage
from services.settings import Settings
from tests.support.harness import TelegramHarness
from tests.support.images import jpeg
from tests.support.orders import docx_text, files_to, message_with, telegram_member

VILLAGE, COUNTY = "330502100004", "330502"


async def test_an_order_answered_sent_back_and_accepted_by_its_buttons(
    bot_harness: TelegramHarness, settings: Settings,
) -> None:
    h = bot_harness
    sessions: SessionFactory = h.app.bot_data["deps"].sessions
    village, boss = h.user("Village", "en"), h.user("Supervisor", "en")
    await telegram_member(h, village, Role.MANAGER, VILLAGE)
    await telegram_member(h, boss, Role.SUPERVISOR, COUNTY)
    async with sessions() as s:
        cell = await s.scalar(select(GridCell).where(GridCell.code == VILLAGE))
        assert cell is not None
        case = Case(number="HZ-2026-000091", category="garbage", severity="medium", lat=30.79,
                    lon=119.96, origin_cell_id=cell.id, cell_id=cell.id, state="submitted",
                    description="Garbage on the bank", created_at=utcnow())
        start_stage(case, Stage.ACCEPT, settings, utcnow())
        s.add(case)
        await s.commit()

    await h.send_text(boss, "/case HZ-2026-000091")
    await h.press(boss, h.last_message(boss), "Supervision order")
    await h.press(boss, h.last_message(boss), "Find the cause and report on it in writing")
    await h.press(boss, h.last_message(boss), "15 days")
    await h.run_jobs(name="outbox")
    order = message_with(h, village, "Supervision order 湖水督〔")
    [(name, _)] = files_to(h, village)
    assert name.endswith(".docx")

    await h.press(village, order, "Answer (what was done)")
    await h.send_text(village, "Cleared and reported")
    await h.send_photo(village, jpeg())
    assert "1 photo received" in h.last_message(village)["text"]
    await h.press(village, h.last_message(village), "Submit the answer")
    await h.run_jobs(name="outbox")
    await h.press(boss, message_with(h, boss, "was answered by"), "Send back")
    await h.send_text(boss, "Say what caused it")
    await h.run_jobs(name="outbox")

    back = message_with(h, village, "was sent back")
    assert "Say what caused it" in back["text"]
    await h.press(village, back, "Answer (what was done)")
    await h.send_text(village, "A truck dumped it; the road is now closed")
    await h.press(village, h.last_message(village), "Submit the answer")
    await h.run_jobs(name="outbox")
    await h.press(boss, message_with(h, boss, "A truck dumped it"), "Accept")
    await h.run_jobs(name="outbox")

    assert "was accepted by" in message_with(h, village, "was accepted by")["text"]
    text, pictures = docx_text(files_to(h, village)[-1][1])
    for part in ("查明原因并书面报告", "Cleared and reported", "Say what caused it",
                 "A truck dumped it", "Accepted on"):
        assert part in text, part
    assert pictures == 1
    async with sessions() as s:
        found = await s.scalar(select(SupervisionOrder))
        assert found is not None and found.state == OrderState.ACCEPTED
