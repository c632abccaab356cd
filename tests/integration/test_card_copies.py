"""Every copy of a case's cards tells the truth, end to end through the real bot: the private
alerts of managers who did not act, the owner's cards after the check, a group's photo card
after a rejection, and a card deleted in the chat."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from models import Outbox, OutboxState, utcnow
from services import workflow
from tests.support import images
from tests.support.cases import member_id, person, report_a_case, send_outbox
from tests.support.groups import (
    body,
    settings,  # noqa: F401  (the fixture)
    township_group,
)
from tests.support.harness import SimUser, TelegramHarness
from tests.support.report_world import NEAR, TOWNSHIP, VILLAGE, buttons, deps, press, with_button


def now_of(h: TelegramHarness, chat: Any, message: dict[str, Any]) -> dict[str, Any]:
    """The message as the chat shows it now (after any edits)."""
    return next(m for m in h.messages_to(chat) if m["message_id"] == message["message_id"])


def cards_of(h: TelegramHarness, chat: SimUser, number: str) -> list[dict[str, Any]]:
    """The bot's messages in a chat that show the case (its number and its state line)."""
    return [m for m in h.messages_to(chat) if f"Case {number} ·" in body(m)]


async def test_a_case_accepted_in_the_group_is_accepted_in_every_managers_private_chat(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    township = await person(h, 5002, "Township manager", TOWNSHIP)
    first = await person(h, 5001, "Village manager A", VILLAGE)
    second = await person(h, 5003, "Village manager B", VILLAGE)
    volunteer = await person(h, 6001, "Volunteer")
    group = await township_group(h, [township, first, second])
    case = await report_a_case(h, volunteer)
    await send_outbox(h)
    alerts = {who.id: with_button(h, who, "Accept") for who in (first, second)}
    card = with_button(h, group, "Accept")

    await h.press(first, card, "Accept")  # from the group, not from either private chat
    await send_outbox(h)
    for who in (first, second):
        alert = now_of(h, who, alerts[who.id])
        assert f"Case {case.number} · accepted" in body(alert)
        assert "awaiting acceptance" not in body(alert)
        assert "accepted by Village manager A" in body(alert)
        assert "Accept" not in buttons(alert) and "Rectification plan" in buttons(alert)
        assert alert.get("photo"), "still the alert with the report's photo"
    assert "Accept" not in buttons(now_of(h, group, card))


async def test_the_check_deadline_is_the_checkers_and_after_it_the_owners_cards_offer_no_more_time(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    owner = await person(h, 5001, "Village manager", VILLAGE)
    checker = await person(h, 5002, "Township checker", TOWNSHIP)
    volunteer = await person(h, 6001, "Volunteer")
    case = await report_a_case(h, volunteer)
    await send_outbox(h)
    await press(h, owner, "Accept")
    async with deps(h).sessions() as s:
        await workflow.plan(s, deps(h).settings, case.id, await member_id(h, 5001), utcnow(),
                            workflow.Plan("Clear the dump", "Haul away", "Wang Wu",
                                          utcnow().replace(year=2099)))
        await s.commit()
    await send_outbox(h)
    await h.send_text(owner, f"/case {case.number}")  # the card on request, with its buttons
    await press(h, owner, "Fixed (after-photo)")
    await h.send_photo(owner, images.jpeg(seed=12))
    await h.send_location(owner, *NEAR)  # the flow ends with the card as it now is
    claimed = h.last_message(owner)
    # the check's deadline is the checker's: the one who claimed the fix cannot ask it longer
    assert "Ask for more time" not in buttons(claimed) and "Deadline to check" in body(claimed)
    await send_outbox(h)
    assert "Ask for more time" in buttons(with_button(h, checker, "Fix confirmed"))

    await h.press(checker, with_button(h, checker, "Fix confirmed"), "Fix confirmed")
    await send_outbox(h)
    cards = cards_of(h, owner, case.number)
    assert len(cards) == 3  # the alert, the card asked for, the card the fix flow ended with
    for card in cards:
        assert f"Case {case.number} · checked, awaiting closing" in body(card)
        assert "Ask for more time" not in buttons(card)
        assert "⏰" not in body(card) and "Deadline to check" not in body(card)
        assert "Close the case" in buttons(card)


async def test_a_groups_photo_card_is_edited_by_its_caption_after_a_rejection(
    bot_harness: TelegramHarness,
) -> None:
    """The group sees a report photo sent as a file only as a fresh display copy: one photo
    carrying the card as its caption, which an edit of its text would not find."""
    h = bot_harness
    township = await person(h, 5002, "Township manager", TOWNSHIP)
    await person(h, 5001, "Village manager", VILLAGE)
    volunteer = await person(h, 6001, "Volunteer")
    group = await township_group(h, [township])
    case = await report_a_case(h, volunteer, as_file=True)
    await send_outbox(h)
    card = with_button(h, group, "Accept")
    assert card.get("photo") and "text" not in card

    async with deps(h).sessions() as s:
        await workflow.reject(s, deps(h).settings, case.id, await member_id(h, 5001), utcnow(),
                              "Not at a water source")
        await s.commit()
    await send_outbox(h)  # leaving the test fails it on any call Telegram would refuse
    edited = now_of(h, group, card)
    assert f"Case {case.number} · rejected" in body(edited)
    assert "rejected by Village manager" in body(edited)
    assert "Accept" not in buttons(edited) and "Reject" not in buttons(edited)
    async with deps(h).sessions() as s:
        states = set(await s.scalars(select(Outbox.state).where(
            Outbox.chat_id == str(group.id))))
    assert states == {OutboxState.SENT}


async def test_a_card_deleted_in_its_chat_is_left_alone_after_one_try(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    h.fail_on_refusal = False  # the one refusal expected here is checked below
    township = await person(h, 5002, "Township manager", TOWNSHIP)
    await person(h, 5001, "Village manager", VILLAGE)
    volunteer = await person(h, 6001, "Volunteer")
    group = await township_group(h, [township])
    case = await report_a_case(h, volunteer)
    await send_outbox(h)
    card = with_button(h, group, "Accept")
    await h.app.bot.delete_message(group.id, card["message_id"])  # a group admin tidied up

    manager = await member_id(h, 5001)
    async with deps(h).sessions() as s:
        await workflow.accept(s, deps(h).settings, case.id, manager, utcnow())
        await s.commit()
    await send_outbox(h)
    refused = [r for r in h.refusals if str(r.params.get("chat_id")) == str(group.id)]
    assert [r.description for r in refused] == ["Bad Request: message to edit not found"]
    async with deps(h).sessions() as s:  # the case moves again: the gone card is not edited
        await workflow.plan(s, deps(h).settings, case.id, manager, utcnow(),
                            workflow.Plan("t", "s", "o", utcnow().replace(year=2099)))
        await s.commit()
    async with deps(h).sessions() as s:
        edits = list(await s.scalars(select(Outbox.state).where(
            Outbox.chat_id == str(group.id), Outbox.kind != "group_case")))
    assert edits == [OutboxState.SENT]  # the one try: done, not failed, and not tried again
    await send_outbox(h)
    assert len([r for r in h.refusals if str(r.params.get("chat_id")) == str(group.id)]) == 1
    assert all(r.description.endswith("message to edit not found") for r in h.refusals)
