"""The notices the workflow queues, rendered as their recipients get them: the before/after
picture made with Pillow, the distance warning, the reporter's yes/no, the group's buttons."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from PIL import Image
from sqlalchemy import select

from handlers.notices import RENDERERS
from handlers.notices.cards import parse_callback
from models import Case, Member, Outbox, Photo, PhotoKind
from models.db import SessionFactory
from services import workflow
from services.cases import Action
from services.notices.card import Card, draw_pictures, render_row, visible_length
from services.photos import ingest
from services.photos.files import FileStore
from services.settings import Settings
from tests.support import images
from tests.support.workflow_world import FAR_POINT, NOW, World, build_world, new_case


@pytest.fixture
async def world(session_factory: SessionFactory) -> World:
    async with session_factory() as session:
        return await build_world(session)


async def stored_photo(
    settings: Settings, case_id: int | None, uploader: int, seed: int, kind: str
) -> Photo:
    facts, path = await ingest(images.jpeg(seed=seed), settings.photos,
                               FileStore(settings.photos_dir))
    return Photo(
        case_id=case_id, uploaded_by_id=uploader, kind=kind, sha256=facts.sha256,
        stored_path=path, size_bytes=facts.size_bytes, width=facts.width, height=facts.height,
        mime=facts.mime, phash=facts.phash, exif_lat=FAR_POINT[0], exif_lon=FAR_POINT[1],
        platform_file_id=f"file-{seed}",
    )


async def render(session_factory: SessionFactory, settings: Settings, row: Outbox) -> Card:
    async with session_factory() as s:
        member = await s.get(Member, row.recipient_id) if row.recipient_id else None
        rendered = await render_row(RENDERERS, s, row, member, settings)
    assert rendered is not None, row.kind
    # DESIGN: no session across Pillow: pictures are drawn, and files read, only after it.
    assert rendered.photo_bytes is None and not rendered.photo_uploads, row.kind
    return await draw_pictures(rendered)  # as the outbox does, with the session closed


async def all_notices(session_factory: SessionFactory) -> list[Outbox]:
    async with session_factory() as s:
        return list(await s.scalars(select(Outbox).order_by(Outbox.id)))


async def test_every_notice_of_a_full_walk_renders_and_the_fix_comes_with_before_and_after(
    session_factory: SessionFactory, settings: Settings, world: World
) -> None:
    async with session_factory() as s:
        case_id = await new_case(s, world)
        # new_case's report photo has no file on disk; give the case a real one first.
        for photo in await s.scalars(select(Photo).where(Photo.case_id == case_id)):
            await s.delete(photo)
        s.add(await stored_photo(settings, case_id, world.reporter.id, 21, PhotoKind.REPORT))
        after = await stored_photo(settings, None, world.manager_a.id, 22, PhotoKind.AFTER)
        s.add(after)
        await s.commit()
        after_id = after.id
    fixer, checker = world.manager_a.id, world.township_manager.id
    async with session_factory() as s:
        await workflow.accept(s, settings, case_id, fixer, NOW)
        await s.commit()
    async with session_factory() as s:
        await workflow.plan(s, settings, case_id, fixer, NOW,
                            workflow.Plan("t", "s", "o", NOW + timedelta(days=2)))
        await s.commit()
    async with session_factory() as s:
        out = await workflow.claim_fix(s, settings, case_id, fixer, NOW, photo_ids=[after_id])
        await s.commit()
    assert out.far_from_case
    for step in (workflow.check, workflow.close):
        async with session_factory() as s:
            await step(s, settings, case_id, checker, NOW)
            await s.commit()
    rows = await all_notices(session_factory)
    kinds = {row.kind for row in rows}
    # The fixer hears of the check and of the 销号 (case_news).
    assert kinds == {"case_accepted", "case_rectified", "case_check", "case_closed", "case_news"}
    for row in rows:
        rendered = await render(session_factory, settings, row)
        assert 0 < visible_length(rendered.text) <= 4096
    rectified = next(r for r in rows if r.kind == "case_rectified")
    picture = (await render(session_factory, settings, rectified)).photo_bytes
    assert picture is not None
    with Image.open(BytesIO(picture)) as img:
        assert img.format == "JPEG"
        assert max(img.size) > 600  # two 800x600 photos, side by side or stacked
    check = await render(session_factory, settings, next(r for r in rows if r.kind == "case_check"))
    assert check.photo_bytes is not None
    assert "m from the reported place" in check.text  # the after-photo's GPS is ~1.1 km off
    closed_row = next(r for r in rows if r.kind == "case_closed")
    closed = await render(session_factory, settings, closed_row)
    assert closed.buttons
    pressed = [parse_callback(b.data) for row in closed.buttons for b in row]
    assert [p[1] for p in pressed if p] == [Action.CONFIRM, Action.NOT_FIXED]


async def test_an_alert_to_a_group_chat_has_a_managers_buttons_and_the_emergency_banner(
    session_factory: SessionFactory, settings: Settings, world: World
) -> None:
    async with session_factory() as s:
        case_id = await new_case(s, world, category="spill")
        case = await s.get(Case, case_id)
        assert case is not None
        case.emergency = True
        row = Outbox(kind="case_new", chat_id="-100200", case_id=case_id,
                     payload={"case_id": case_id})
        s.add(row)
        await s.commit()
    rendered = await render(session_factory, settings, row)
    assert rendered.text.startswith("🚨")  # zh_CN default: the banner comes first
    assert rendered.photo_file_ids == (f"file-report-{case_id}",)
    assert rendered.buttons
    labels = [b.label for line in rendered.buttons for b in line]
    assert labels[0] == "受理" and len(labels) == 4


async def test_the_rejected_and_merged_reporters_are_told_why(
    session_factory: SessionFactory, settings: Settings, world: World
) -> None:
    async with session_factory() as s:
        first = await new_case(s, world)
        second = await new_case(s, world, number="HZ-2026-000002", reporter=world.other_reporter)
        third = await new_case(s, world, number="HZ-2026-000003")
    async with session_factory() as s:
        await workflow.merge(s, settings, second, world.manager_a.id, NOW, into="HZ-2026-000001")
        await s.commit()
    async with session_factory() as s:
        await workflow.reject(s, settings, third, world.manager_a.id, NOW, "a <compost> heap")
        await s.commit()
    texts = [(await render(session_factory, settings, r)).text
             for r in await all_notices(session_factory)]
    assert any("HZ-2026-000002" in t and "HZ-2026-000001" in t for t in texts)
    assert any("a &lt;compost&gt; heap" in t for t in texts)
    assert first
