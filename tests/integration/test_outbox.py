"""The outbox sender against the emulator: once, in order, and honest about failures."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from telegram.error import NetworkError, TimedOut

import bot.outbox.deliver as outbox_send
from bot.outbox import Sender
from bot.telegram.outbox import drain_once
from bot.telegram.transport import TelegramTransport, maybe_delivered
from models import Case, CaseEvent, Outbox, OutboxState, Role, utcnow
from services.grid import cell_by_code
from services.members import find_member
from services.notices.queue import queue as queue_notice
from tests.support import gated_notices
from tests.support.gated_notices import TEST_RENDERERS, Note
from tests.support.harness import SimUser, TelegramHarness
from tests.support.images import jpeg
from tests.support.outbox import FakeClock, make_due, texts
from tests.support.report_world import TOWNSHIP, VILLAGE, add_manager, deps


def fake_sender(h: TelegramHarness, clock: FakeClock) -> Sender:
    """A sender of its own on a fake clock: pacing waits cost no real time."""
    return Sender(TelegramTransport(h.app.bot), deps(h), TEST_RENDERERS, clock=clock,
                  sleep=clock.sleep, real_time=False)


async def registered(h: TelegramHarness, name: str = "王芳", language: str = "zh") -> SimUser:
    user = h.user(name, language_code=language)
    await h.send_text(user, "/start")
    return user


TEST_KINDS = {k.KIND: k for k in TEST_RENDERERS}


async def queue(h: TelegramHarness, user: SimUser, kind: str = Note.KIND, **payload: Any) -> int:
    """A test notice for `user` (a kind nobody renders is written as a bare row)."""
    async with deps(h).sessions() as session:
        member = await find_member(session, "telegram", user.id)
        assert member is not None
        if kind in TEST_KINDS:
            notice = await queue_notice(session, TEST_KINDS[kind](**payload), recipient=member)
        else:
            notice = Outbox(kind=kind, platform=member.platform, chat_id=member.chat_id,
                            recipient_id=member.id, payload=payload)
            session.add(notice)
            await session.flush()
        await session.commit()
        return notice.id


async def row(h: TelegramHarness, row_id: int) -> Outbox:
    async with deps(h).sessions() as session:
        found = await session.get(Outbox, row_id)
        assert found is not None
        return found


async def run_outbox_job(h: TelegramHarness) -> None:
    """The repeating job the application registered, run once now."""
    assert h.app.job_queue is not None
    (job,) = h.app.job_queue.get_jobs_by_name("outbox")
    await job.run(h.app)


async def test_a_notice_is_delivered_once_in_the_recipients_language(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    ann = await registered(h, "Ann", "en")
    row_id = await queue(h, ann, text="hello")
    await run_outbox_job(h)
    await run_outbox_job(h)
    assert texts(h, ann) == ["[en] hello"]
    sent = await row(h, row_id)
    assert sent.state == OutboxState.SENT and sent.attempts == 1
    assert sent.result["message_ids"] == [h.last_message(ann)["message_id"]]
    assert h.last_message(ann)["reply_markup"]["inline_keyboard"][0][0]["text"] == "OK"


async def drain_until_settled(h: TelegramHarness, expected: int, runs: int = 5) -> int:
    """Runs of the outbox job until `expected` notices are settled (at most `runs`): one chat's
    next notice waits its pace (a message a second), so on a busy machine one run of the job
    may end before it and the next run sends it. How many were settled."""
    settled = 0
    for _ in range(runs):
        settled += await drain_once(h.app, deps(h))
        if settled >= expected:
            break
    return settled


async def test_notices_go_out_oldest_first_and_a_dropped_one_is_not_sent(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    wang = await registered(h)
    first = await queue(h, wang, text="one")
    dropped = await queue(h, wang, text="never", drop=True)
    await queue(h, wang, text="two")
    assert await drain_until_settled(h, 3) == 3
    assert texts(h, wang) == ["[zh_CN] one", "[zh_CN] two"]
    assert (await row(h, dropped)).result == {"dropped": True}
    assert (await row(h, first)).state == OutboxState.SENT


async def test_photos_go_as_an_album_then_the_text_or_as_one_captioned_photo(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    wang = await registered(h)
    uploaded = h.emulator.users.send_photos(wang.id, [jpeg(seed=1), jpeg(seed=2)])
    h.emulator.take_updates()  # the bot never sees these; we only want their file ids
    file_ids = [m["photo"][-1]["file_id"] for m in uploaded]
    album = await queue(h, wang, text="album", file_ids=file_ids)
    single = await queue(h, wang, text="single", with_bytes=True)
    await drain_until_settled(h, 2)
    assert (await row(h, single)).state == OutboxState.SENT
    sent = h.messages_to(wang)[1:]
    assert ["photo" in m for m in sent] == [True, True, False, True]
    assert sent[2]["text"] == "[zh_CN] album" and sent[3]["caption"] == "[zh_CN] single"
    assert sent[3]["reply_markup"]["inline_keyboard"][0][0]["text"] == "OK"
    assert len((await row(h, album)).result["message_ids"]) == 3
    assert len((await row(h, single)).result["message_ids"]) == 1


async def test_a_document_goes_after_the_photos_and_before_the_words_with_their_buttons(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    wang = await registered(h)
    one = await queue(h, wang, text="督办单", with_bytes=True, document="order.docx")
    await drain_until_settled(h, 1)
    assert (await row(h, one)).state == OutboxState.SENT
    sent = h.messages_to(wang)[1:]
    assert ["photo" in m for m in sent] == [True, False, False]
    assert sent[1]["document"]["file_name"] == "order.docx"
    stored = h.emulator.state.files[sent[1]["document"]["file_id"]]
    assert stored.data == "督办单".encode()
    assert sent[2]["text"] == "[zh_CN] 督办单"
    assert sent[2]["reply_markup"]["inline_keyboard"][0][0]["text"] == "OK"


async def test_flood_control_waits_as_long_as_telegram_asks_then_sends_once(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    wang = await registered(h)
    first = await queue(h, wang, text="one")
    second = await queue(h, wang, text="two")
    h.emulator.faults.add("retry_after", retry_after=7, method="sendMessage")
    clock = FakeClock()
    sender = fake_sender(h, clock)
    before = utcnow()
    await sender.drain()
    assert texts(h, wang) == []
    waiting = await row(h, first)
    assert (waiting.state, waiting.attempts) == (OutboxState.PENDING, 0)
    assert waiting.next_attempt_at >= before + timedelta(seconds=7)
    assert (await row(h, second)).state == OutboxState.PENDING  # behind the first, unsent
    await make_due(h)
    held_from = clock.now
    await sender.drain(budget=5)  # due in the database, but the sender holds off for 7 s
    assert texts(h, wang) == []
    await sender.drain()
    assert texts(h, wang) == ["[zh_CN] one", "[zh_CN] two"]
    assert clock.now >= held_from + 7


async def test_a_blocked_bot_fails_the_notice_and_marks_the_member_inactive(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    wang = await registered(h)
    row_id = await queue(h, wang, text="blocked")
    h.emulator.faults.add("blocked", method="sendMessage")
    await drain_once(h.app, deps(h))
    assert (await row(h, row_id)).state == OutboxState.FAILED
    async with deps(h).sessions() as session:
        member = await find_member(session, "telegram", wang.id)
    assert member is not None and member.active is False
    later = await queue(h, wang, text="still blocked")
    await drain_once(h.app, deps(h))
    assert (await row(h, later)).state == OutboxState.FAILED
    assert texts(h, wang) == []
    await h.send_text(wang, "/start")  # they came back
    async with deps(h).sessions() as session:
        member = await find_member(session, "telegram", wang.id)
    assert member is not None and member.active is True


async def test_server_errors_are_retried_with_backoff_until_max_attempts(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    wang = await registered(h)
    row_id = await queue(h, wang, text="flaky")
    h.emulator.faults.add("server_error", method="sendMessage")
    before = utcnow()
    await drain_once(h.app, deps(h))
    waiting = await row(h, row_id)
    assert (waiting.state, waiting.attempts) == (OutboxState.PENDING, 1)
    assert waiting.next_attempt_at >= before + timedelta(seconds=10)
    await make_due(h)
    await drain_once(h.app, deps(h))
    assert texts(h, wang) == ["[zh_CN] flaky"]

    doomed = await queue(h, wang, text="doomed")
    max_attempts = deps(h).settings.outbox.max_attempts
    async with deps(h).sessions() as session:
        await session.execute(
            update(Outbox).where(Outbox.id == doomed).values(attempts=max_attempts - 1)
        )
        await session.commit()
    h.emulator.faults.add("server_error", method="sendMessage")
    await drain_once(h.app, deps(h))
    assert (await row(h, doomed)).state == OutboxState.FAILED


async def test_a_kind_without_renderer_or_a_bad_message_fails_loudly(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    h.fail_on_refusal = False  # the broken HTML below is refused on purpose
    wang = await registered(h)
    unknown = await queue(h, wang, kind="no_such_kind")
    broken = await queue(h, wang, text="<b>unclosed")
    await drain_once(h.app, deps(h))
    missing = await row(h, unknown)
    assert missing.state == OutboxState.FAILED
    assert missing.last_error is not None and "no_such_kind" in missing.last_error
    refused = await row(h, broken)
    assert refused.state == OutboxState.FAILED
    assert refused.last_error is not None and refused.last_error.startswith("bad request")
    async with deps(h).sessions() as session:
        states = set(await session.scalars(select(Outbox.state)))
    assert OutboxState.SENDING not in states


async def test_two_senders_at_once_send_each_notice_once_and_in_order(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    people = [await registered(h, f"P{index}", "en") for index in range(3)]
    for index in range(4):
        for person in people:
            await queue(h, person, text=f"n{index}")
    one, two = fake_sender(h, FakeClock()), fake_sender(h, FakeClock())
    counts = await asyncio.gather(one.drain(), two.drain())
    assert sum(counts) == 12
    for person in people:
        assert texts(h, person) == [f"[en] n{index}" for index in range(4)]


async def test_a_chat_keeps_its_order_when_one_notice_must_wait(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    wang, ann = await registered(h), await registered(h, "Ann", "en")
    first = await queue(h, wang, text="first")
    second = await queue(h, wang, text="second")
    other = await queue(h, ann, text="elsewhere")
    # Wang's first fails (the chats go concurrently: a fault for any chat would be a race)
    h.emulator.faults.add("server_error", method="sendMessage", chat_id=wang.id)
    await drain_once(h.app, deps(h))
    assert texts(h, wang) == [] and texts(h, ann) == ["[en] elsewhere"]
    held = await row(h, second)
    assert held.state == OutboxState.PENDING and held.attempts == 0
    assert (await row(h, first)).state == OutboxState.PENDING
    assert (await row(h, other)).state == OutboxState.SENT
    await make_due(h)
    await drain_once(h.app, deps(h))
    assert texts(h, wang) == ["[zh_CN] first", "[zh_CN] second"]


async def test_a_send_interrupted_by_a_crash_is_sent_again_marked_after_restart(
    bot_harness: TelegramHarness,
) -> None:
    """It may have arrived: the restarted bot sends it once more, after a while, saying so."""
    h = bot_harness
    wang = await registered(h)
    row_id = await queue(h, wang, text="in flight")
    async with deps(h).sessions() as session:
        await session.execute(
            update(Outbox).where(Outbox.id == row_id).values(state=OutboxState.SENDING)
        )
        await session.commit()
    assert h.app.post_init is not None
    await h.app.post_init(h.app)  # what a restart runs
    await drain_once(h.app, deps(h))
    waiting = await row(h, row_id)
    assert waiting.state == OutboxState.PENDING and waiting.payload["maybe_duplicate"] is True
    assert texts(h, wang) == []
    await make_due(h)
    await drain_once(h.app, deps(h))
    assert texts(h, wang) == ["🔁 重发：上一条消息可能未送达。\n[zh_CN] in flight"]
    sent = await row(h, row_id)
    assert sent.state == OutboxState.SENT and sent.result["maybe_duplicate"] is True
    assert sent.last_error == "sent again: interrupted while sending"


async def test_a_notice_still_being_prepared_when_the_bot_dies_is_not_left_uncertain(
    bot_harness: TelegramHarness,
) -> None:
    """Only a notice on the wire is `sending`: one still being rendered or drawn when the
    process dies is sent by the next one, instead of waiting for `outbox retry` by hand."""
    h = bot_harness
    ann = await registered(h, "Ann", "en")
    gate = gated_notices.GATES.setdefault(f"gate-{id(h)}", asyncio.Event())
    row_id = await queue(h, ann, kind=gated_notices.KIND, text="slow", gate=f"gate-{id(h)}")
    drain = asyncio.create_task(drain_once(h.app, deps(h)))
    await asyncio.sleep(0.3)  # the sender is at the rendering now
    assert not drain.done()
    assert (await row(h, row_id)).state == OutboxState.PENDING
    assert h.app.post_init is not None
    await h.app.post_init(h.app)  # what a restarted process runs: it finds nothing in flight
    assert (await row(h, row_id)).state == OutboxState.PENDING
    gate.set()
    await drain
    assert (await row(h, row_id)).state == OutboxState.SENT
    assert texts(h, ann) == ["[en] slow"]


async def test_a_sender_slow_to_render_continues_where_another_left_off(
    bot_harness: TelegramHarness,
) -> None:
    """Two processes: the first is still drawing a notice (photo, then text) when the second
    sends its photo and fails on the text. The first must not send the photo again, nor send
    before the backoff is over."""
    h = bot_harness
    ann = await registered(h, "Ann", "en")
    gate = gated_notices.GATES.setdefault(f"race-{id(h)}", asyncio.Event())
    row_id = await queue(h, ann, kind=gated_notices.KIND, text="two steps", photo=True,
                         first_only=True, gate=f"race-{id(h)}")
    slow = Sender(TelegramTransport(h.app.bot), deps(h), TEST_RENDERERS)
    quick = Sender(TelegramTransport(h.app.bot), deps(h), TEST_RENDERERS)
    await slow.round()  # it starts rendering and waits at the gate
    await asyncio.sleep(0.2)
    h.emulator.faults.add("server_error", method="sendMessage")
    await quick.round()
    await quick.settle()
    held = await row(h, row_id)
    assert held.state == OutboxState.PENDING and held.result["done"] == 1  # photo sent
    gate.set()
    await slow.settle()
    assert (await row(h, row_id)).state == OutboxState.PENDING  # the backoff is respected
    await make_due(h)
    await drain_once(h.app, deps(h))
    kinds = ["photo" if m.get("photo") else "text" for m in h.messages_to(ann)][1:]
    assert kinds == ["photo", "text"]
    done = await row(h, row_id)
    assert done.state == OutboxState.SENT and len(done.result["message_ids"]) == 2


async def test_a_notice_that_hits_a_bug_is_put_off_not_retried_in_a_loop(
    bot_harness: TelegramHarness, monkeypatch: pytest.MonkeyPatch,
) -> None:
    h = bot_harness
    ann = await registered(h, "Ann", "en")
    row_id = await queue(h, ann, text="hi")
    async with deps(h).sessions() as session:
        member = await find_member(session, "telegram", ann.id)
        assert member is not None
        member.active = False  # its notice goes to the redirect, where the "bug" is
        await session.commit()
    tries = 0

    async def broken_redirect(*_: Any) -> None:
        nonlocal tries
        tries += 1
        raise RuntimeError("a bug in the redirect")

    monkeypatch.setattr(outbox_send, "redirect_notice", broken_redirect)
    sender = Sender(TelegramTransport(h.app.bot), deps(h), TEST_RENDERERS)
    await sender.drain(budget=1.0, settle_within=1.2)
    assert tries == 1
    put_off = await row(h, row_id)
    assert put_off.state == OutboxState.PENDING and put_off.attempts == 1
    assert put_off.next_attempt_at > utcnow() + timedelta(seconds=5)
    assert put_off.last_error is not None and "a bug in the redirect" in put_off.last_error


async def test_a_dropped_connection_is_uncertain_a_refused_one_is_retried(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    wang = await registered(h)
    lost = await queue(h, wang, text="lost on the way back")
    h.emulator.faults.add("disconnect", method="sendMessage", delivered=True)
    await drain_once(h.app, deps(h))
    assert (await row(h, lost)).state == OutboxState.UNCERTAIN
    assert texts(h, wang) == ["[zh_CN] lost on the way back"]  # arrived, and not sent at once
    # What PTB raises when the request never left: a refused connection, a full pool.
    refused = NetworkError("httpx.ConnectError: refused")
    refused.__cause__ = httpx.ConnectError("refused")
    pool = TimedOut("Pool timeout")
    pool.__cause__ = httpx.PoolTimeout("pool")
    read = TimedOut()
    read.__cause__ = httpx.ReadTimeout("read")
    assert [maybe_delivered(e) for e in (refused, pool, read, NetworkError("Bad Gateway"))] == [
        False, False, True, False]


async def a_case(h: TelegramHarness, cell_code: str) -> int:
    async with deps(h).sessions() as session:
        cell = await cell_by_code(session, cell_code)
        assert cell is not None
        case = Case(number="SY-2026-000001", category="garbage", severity="high", lat=30.8,
                    lon=119.9, origin_cell_id=cell.id, cell_id=cell.id)
        session.add(case)
        await session.commit()
        return case.id


async def test_a_notice_to_a_manager_who_blocked_the_bot_goes_to_the_other_managers(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    for uid, name, cell in ((501, "Li", VILLAGE), (502, "Zhao", VILLAGE), (503, "Chen", TOWNSHIP)):
        await add_manager(deps(h).sessions, uid, name, cell, Role.MANAGER)
    li, zhao, chen = (h.user(n, language_code="en", user_id=u)
                      for u, n in ((501, "Li"), (502, "Zhao"), (503, "Chen")))
    for user in (li, zhao, chen):
        await h.send_text(user, "/start")
    case_id = await a_case(h, VILLAGE)
    async with deps(h).sessions() as session:
        member = await find_member(session, "telegram", li.id)
        assert member is not None
        notice = await queue_notice(session, Note(text="new case"), recipient=member,
                                    case_id=case_id)
        await session.commit()
    h.emulator.users.block_bot(li.id)
    await drain_once(h.app, deps(h))
    await drain_once(h.app, deps(h))
    assert (await row(h, notice.id)).state == OutboxState.FAILED
    assert texts(h, zhao) == ["[en] new case"]  # the other manager of the village
    assert texts(h, chen) == []  # the township only when the village has nobody left
    async with deps(h).sessions() as session:
        events = list(await session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id)))
    assert [e.kind for e in events] == ["notice_redirected"]
    assert events[0].payload["to_member_ids"] == [await member_id(h, zhao)]

    # Zhao blocks the bot too: the village has nobody left, so the case climbs to the
    # township: Chen is handed it (its card says why), which stands for the note itself.
    h.emulator.users.block_bot(zhao.id)
    async with deps(h).sessions() as session:
        member = await find_member(session, "telegram", zhao.id)
        assert member is not None
        await queue_notice(session, Note(text="second case"), recipient=member, case_id=case_id)
        await session.commit()
    for _ in range(3):
        await drain_once(h.app, deps(h))
    (handed,) = texts(h, chen)
    assert handed.startswith("📥 Handed over to you: Zhao could not be reached")
    assert "Assigned to: Chen" in handed


async def member_id(h: TelegramHarness, user: SimUser) -> int:
    async with deps(h).sessions() as session:
        member = await find_member(session, "telegram", user.id)
        assert member is not None
        return member.id


async def test_a_manager_who_already_has_the_notice_is_not_sent_a_second_copy(
    bot_harness: TelegramHarness,
) -> None:
    """Both village managers are alerted; one has blocked the bot: the other hears it once."""
    h = bot_harness
    for uid, name in ((511, "Wu"), (512, "Xu")):
        await add_manager(deps(h).sessions, uid, name, VILLAGE, Role.MANAGER)
    wu, xu = (h.user(n, language_code="en", user_id=u) for u, n in ((511, "Wu"), (512, "Xu")))
    for user in (wu, xu):
        await h.send_text(user, "/start")
    case_id = await a_case(h, VILLAGE)
    async with deps(h).sessions() as session:
        for user in (wu, xu):
            member = await find_member(session, "telegram", user.id)
            assert member is not None
            await queue_notice(session, Note(text="new case"), recipient=member,
                               case_id=case_id)
        await session.commit()
    h.emulator.users.block_bot(wu.id)
    for _ in range(3):
        await drain_once(h.app, deps(h))
    assert texts(h, xu) == ["[en] new case"]


async def test_a_notice_for_a_member_on_another_channel_waits_for_that_channels_sender(
    bot_harness: TelegramHarness,
) -> None:
    """The Telegram sender sends Telegram's rows only: a WeCom member's notice is not pushed
    through Telegram (where their WeCom id is no chat) but left pending for WeCom's sender."""
    h = bot_harness
    ann = await registered(h, "Ann", "en")
    async with deps(h).sessions() as session:
        member = await find_member(session, "telegram", ann.id)
        assert member is not None
        elsewhere = Outbox(kind=Note.KIND, platform="wecom", chat_id="ZhangSan",
                           payload={"text": "for WeCom"})
        session.add(elsewhere)
        await session.commit()
        elsewhere_id = elsewhere.id
    ours = await queue(h, ann, text="for Telegram")
    sender = Sender(TelegramTransport(h.app.bot), deps(h), TEST_RENDERERS)
    await sender.drain()
    assert (await row(h, ours)).state == OutboxState.SENT
    waiting = await row(h, elsewhere_id)
    assert (waiting.state, waiting.attempts) == (OutboxState.PENDING, 0)
    assert "for WeCom" not in " ".join(texts(h, ann))
    assert h.refusals == []
