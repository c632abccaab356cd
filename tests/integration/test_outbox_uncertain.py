"""A send that may have arrived but was not confirmed is settled by its kind, without a person:
a case alert is sent once more, marked as a repeat; a digest is taken as sent; the edit of a
card is simply done again; a repeat that is uncertain too fails for good, unless our own
process died while sending it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from bot.outbox.recover import recover_interrupted
from models import Outbox, OutboxState, utcnow
from services.digests import queue_digests
from services.i18n import translator
from services.notices.rules import REPEAT_LINE
from tests.support.cases import person, report_a_case, send_outbox
from tests.support.groups import body
from tests.support.harness import SimUser, TelegramHarness
from tests.support.outbox import make_due
from tests.support.report_world import VILLAGE, buttons, deps, with_button

REPEAT_EN = translator("en")(REPEAT_LINE)


async def alerts(h: TelegramHarness, manager: SimUser) -> list[dict[str, Any]]:
    """The manager's messages that carry a case's Accept button (the alert cards)."""
    return [m for m in h.messages_to(manager) if "Accept" in buttons(m)]


async def rows_of(h: TelegramHarness, kind: str) -> list[Outbox]:
    async with deps(h).sessions() as session:
        return list(await session.scalars(
            select(Outbox).where(Outbox.kind == kind).order_by(Outbox.id)))


async def test_a_timed_out_alert_is_sent_again_once_and_marked_as_a_repeat(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    manager = await person(h, 5001, "Village manager", VILLAGE)
    volunteer = await person(h, 6001, "Volunteer")
    # the alert arrives, but its answer never comes back
    h.emulator.faults.add("timeout", chat_id=manager.id, delivered=True)
    await report_a_case(h, volunteer)
    await send_outbox(h)
    (alert,) = await rows_of(h, "case_new")
    assert alert.state == OutboxState.UNCERTAIN
    await send_outbox(h)  # the next run settles it: to be sent again, after a while
    (alert,) = await rows_of(h, "case_new")
    assert alert.state == OutboxState.PENDING and alert.payload["maybe_duplicate"] is True
    assert alert.next_attempt_at > utcnow()
    assert len(await alerts(h, manager)) == 1  # nothing more before the while is over

    await make_due(h)
    await send_outbox(h)
    first, again = await alerts(h, manager)
    assert not body(first).startswith(REPEAT_EN)
    assert body(again).startswith(REPEAT_EN + "\n")
    assert body(again).removeprefix(REPEAT_EN + "\n") == body(first)
    (alert,) = await rows_of(h, "case_new")
    assert alert.state == OutboxState.SENT and alert.result["maybe_duplicate"] is True
    assert alert.last_error is not None and "timed out" in alert.last_error
    await make_due(h)
    await send_outbox(h)
    assert len(await alerts(h, manager)) == 2  # once more, and only once


async def test_a_repeat_that_is_uncertain_too_fails_for_good(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    manager = await person(h, 5001, "Village manager", VILLAGE)
    volunteer = await person(h, 6001, "Volunteer")
    h.emulator.faults.add("timeout", chat_id=manager.id, delivered=False, count=2)
    await report_a_case(h, volunteer)
    for _ in range(4):  # uncertain, to be sent again, uncertain again, settled
        await send_outbox(h)
        await make_due(h)
    (alert,) = await rows_of(h, "case_new")
    assert alert.state == OutboxState.FAILED
    assert alert.last_error is not None and alert.last_error.startswith("uncertain again")
    assert await alerts(h, manager) == []  # neither send arrived, and no third was made


async def test_a_repeat_cut_off_by_a_crash_is_sent_again_not_failed(
    bot_harness: TelegramHarness,
) -> None:
    """Killed while sending the repeat (the SIGKILL drill found a reporter who never heard):
    the next process sends it again, still marked, instead of failing it for good."""
    h = bot_harness
    manager = await person(h, 5001, "Village manager", VILLAGE)
    volunteer = await person(h, 6001, "Volunteer")
    h.emulator.faults.add("timeout", chat_id=manager.id, delivered=False)
    await report_a_case(h, volunteer)
    await send_outbox(h)  # uncertain
    await send_outbox(h)  # settled: to be sent again, marked
    async with deps(h).sessions() as session:  # the process dies mid-send of the repeat
        await session.execute(update(Outbox).where(Outbox.kind == "case_new")
                              .values(state=OutboxState.SENDING))
        await session.commit()
    assert await recover_interrupted(deps(h)) == 1  # the next process starts
    await send_outbox(h)  # settled again: to be sent again, not failed
    await make_due(h)
    await send_outbox(h)
    (alert,) = await rows_of(h, "case_new")
    assert alert.state == OutboxState.SENT
    (only,) = await alerts(h, manager)
    assert body(only).startswith(REPEAT_EN + "\n")


async def test_a_timed_out_digest_is_taken_as_sent_and_never_sent_twice(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    manager = await person(h, 5001, "Village manager", VILLAGE)
    volunteer = await person(h, 6001, "Volunteer")
    await report_a_case(h, volunteer)
    await send_outbox(h)
    before = len(h.messages_to(manager))
    async with deps(h).sessions() as session:
        await queue_digests(session, deps(h).settings, utcnow())
        await session.commit()
    h.emulator.faults.add("timeout", chat_id=manager.id, delivered=True)
    await send_outbox(h)
    await make_due(h)
    await send_outbox(h)
    digests = [r for r in await rows_of(h, "digest") if r.chat_id == str(manager.id)]
    assert digests and all(r.state == OutboxState.SENT for r in digests)
    assert [r.result.get("unconfirmed") for r in digests] == [True] + [None] * (len(digests) - 1)
    assert (digests[0].last_error or "").startswith("unconfirmed")
    assert len(h.messages_to(manager)) - before == len(digests)  # each part exactly once


async def test_a_timed_out_card_edit_is_done_again(bot_harness: TelegramHarness) -> None:
    h = bot_harness
    first = await person(h, 5001, "Village manager A", VILLAGE)
    second = await person(h, 5003, "Village manager B", VILLAGE)
    volunteer = await person(h, 6001, "Volunteer")
    case = await report_a_case(h, volunteer)
    await send_outbox(h)
    card = with_button(h, second, "Accept")
    await h.press(first, with_button(h, first, "Accept"), "Accept")
    # the edit of B's card times out before it took effect
    h.emulator.faults.add("timeout", chat_id=second.id, delivered=False)
    await send_outbox(h)
    await make_due(h)
    await send_outbox(h)
    edited = next(m for m in h.messages_to(second) if m["message_id"] == card["message_id"])
    assert f"Case {case.number} · accepted" in body(edited)
    assert "Accept" not in buttons(edited)
    refreshes = [r for r in await rows_of(h, "card_refresh") if r.chat_id == str(second.id)]
    assert refreshes and refreshes[0].state == OutboxState.SENT and refreshes[0].attempts == 2
    assert all(not body(m).startswith(REPEAT_EN) for m in h.messages_to(second))
