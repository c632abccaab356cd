"""A supervision bulletin end to end on the emulated Telegram: drafted with /bulletin, its
opening typed after the button asked for it, issued with the button (the .docx comes back),
sent by the outbox to the village's manager with its .docx, acknowledged from the notice."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from sqlalchemy import select

from models import Case, GridCell, Member, Role, Stage, utcnow
from models.db import SessionFactory
from services.deadlines import start_stage
from services.settings import Settings
from tests.support.deadlines_world import seconds_settings
from tests.support.harness import SimUser, TelegramHarness

VILLAGE, COUNTY = "330502100004", "330502"


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    """Overrides the shared fixture, so a case is overdue 100 seconds after its stage began."""
    return seconds_settings(db_url, tmp_path, seconds=100)


async def _member(h: TelegramHarness, user: SimUser, role: Role, code: str) -> None:
    await h.send_text(user, "/start")
    sessions: SessionFactory = h.app.bot_data["deps"].sessions
    async with sessions() as s:
        cell = await s.scalar(select(GridCell).where(GridCell.code == code))
        member = await s.scalar(select(Member).where(Member.platform_user_id == str(user.id)))
        assert cell is not None and member is not None
        member.role, member.cell_id, member.language = role, cell.id, "en"
        await s.commit()


def _docx_text(h: TelegramHarness, message: dict[str, object]) -> str:
    document = message["document"]
    assert isinstance(document, dict)
    data = h.emulator.state.files[document["file_id"]].data
    opened = Document(io.BytesIO(data))
    return "\n".join([p.text for p in opened.paragraphs]
                     + [c.text for t in opened.tables for r in t.rows for c in r.cells])


async def test_a_bulletin_is_issued_and_acknowledged_through_the_bot(
    bot_harness: TelegramHarness, settings: Settings
) -> None:
    h = bot_harness
    sessions: SessionFactory = h.app.bot_data["deps"].sessions
    supervisor, village = h.user("Supervisor", "en"), h.user("Village", "en")
    await _member(h, supervisor, Role.SUPERVISOR, COUNTY)
    await _member(h, village, Role.MANAGER, VILLAGE)
    start = utcnow() - timedelta(seconds=150)
    async with sessions() as s:
        cell = await s.scalar(select(GridCell).where(GridCell.code == VILLAGE))
        assert cell is not None
        case = Case(number="HZ-2026-000501", category="garbage", severity="low", lat=30.79,
                    lon=119.96, origin_cell_id=cell.id, cell_id=cell.id, state="accepted",
                    created_at=start)
        start_stage(case, Stage.PLAN, settings, start)
        s.add(case)
        await s.commit()

    await h.send_text(supervisor, "/bulletin")
    draft = h.last_message(supervisor)
    assert "Overdue cases: 1" in draft["text"] and "HZ-2026-000501" in draft["text"]
    await h.press(supervisor, draft, "Edit the opening")
    assert h.last_message(supervisor)["text"] == "Send the opening of the bulletin in one message."
    await h.send_text(supervisor, "Garbage at the intake <b>again</b>.")
    edited = h.last_message(supervisor)
    assert "Opening: Garbage at the intake <b>again</b>." in edited["text"]  # typed, not markup

    await h.press(supervisor, edited, "Issue")
    year = utcnow().astimezone(ZoneInfo(settings.locale.timezone)).year
    number = f"{year}年第1期"
    sent = h.last_message(supervisor)
    assert sent["document"]["file_name"] == f"督查通报-{number}.docx"
    assert sent["caption"].startswith(f"Bulletin {number} issued; it went to 1 manager")
    words = _docx_text(h, sent)
    assert number in words and "HZ-2026-000501" in words
    assert "Garbage at the intake <b>again</b>." in words  # the document keeps what was typed

    await h.run_jobs(name="outbox")
    notice = next(m for m in reversed(h.messages_to(village))
                  if f"Supervision bulletin {number}" in (m.get("text") or ""))
    assert "HZ-2026-000501" in notice["text"]
    document = next(m for m in h.messages_to(village) if m.get("document"))
    assert number in _docx_text(h, document)
    answer = h.callback_answer(await h.press(village, notice, "Acknowledge"))
    assert answer is not None and answer["text"] == "Bulletin acknowledged. Thank you."
    again = h.callback_answer(await h.press(village, notice, "Acknowledge"))
    assert again is not None and again["text"] == "You already acknowledged this bulletin."
