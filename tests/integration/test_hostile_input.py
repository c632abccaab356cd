"""Hostile input, by hand: a corpus of malformed pictures sent as photos and as files in one
report, forged button data (other people's cases, wrong versions, random bytes), and one
person flooding the bot while someone else asks for /help."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from handlers.notices.cards import callback_data
from models import Case, CaseEvent, Draft, Photo
from sandbox.telegram.errors import ApiError
from services.cases import Action
from services.settings import Settings
from tests.support import images
from tests.support.harness import SimUser, TelegramHarness
from tests.support.report_world import IN_GRADE1, add_manager, buttons, press, texts, with_button
from tests.support.settings import make_settings

VILLAGE = "330502100004"
OTHER_VILLAGE = "330502100001"
FLOOD_LIMIT = 30

MALFORMED = {
    "zero-byte": images.zero_bytes(),
    "truncated-jpeg": images.truncated_jpeg(),
    "damaged-png": images.damaged_png(),
    "text-named-jpg": images.text_as_jpg(),
    "png-bomb": images.png_bomb(),
    "fake-heic": images.fake_heic(),
    "animated-gif": images.animated_gif(),
    "animated-webp": images.animated_webp(),
    "animated-png": images.animated_png(),
    "random-bytes": random.Random(64).randbytes(4096),
    "jpeg-header-only": images.jpeg(seed=3)[:200],
}


@pytest.fixture
def settings(db_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """The flood guard with a window no test outlives, so counting replies is exact; out of
    the way of the tests that press a hundred forged buttons on purpose."""
    limit = FLOOD_LIMIT if "flooding" in request.node.name else 1_000_000
    return make_settings(db_url, tmp_path, limits={"user_updates": limit, "user_window": "1h"})


def deps(h: TelegramHarness) -> Any:
    return h.app.bot_data["deps"]


async def volunteer(h: TelegramHarness, uid: int, name: str = "Volunteer") -> SimUser:
    user = h.user(name, language_code="en", user_id=uid)
    await h.send_text(user, "/start")
    return user


async def count(h: TelegramHarness, model: Any, *where: Any) -> int:
    async with deps(h).sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def test_malformed_pictures_as_photos_and_as_files_are_refused_and_a_good_one_still_works(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    user = await volunteer(h, 6001)
    await h.send_text(user, "/report")
    await press(h, user, "Dumped garbage")
    for name, data in MALFORMED.items():  # as files: kept as sent, so each is refused
        before = len(h.messages_to(user))
        await h.send_document(user, data, f"{name}.jpg", "image/jpeg")
        answers = texts(h, user, before)
        assert answers and not any("Photos so far" in t for t in answers), (name, answers)
    assert await count(h, Photo) == 0
    async with deps(h).sessions() as s:
        assert (await s.scalars(select(Draft))).one().step == "photos"
    encoded = 0
    for name, data in MALFORMED.items():  # as photos: Telegram re-encodes what it can read
        before = len(h.messages_to(user))
        try:
            h.emulator.users.send_photos(user.id, [data])
        except ApiError:  # Telegram's client refuses to send it as a photo at all
            continue
        encoded += 1
        await h.flush()
        assert texts(h, user, before), f"{name}: no answer"
    assert await count(h, Photo) <= encoded
    taken = await count(h, Photo)
    await h.send_photo(user, images.jpeg(seed=5))
    assert f"Photos so far: {taken + 1} of 10." in texts(h, user)[-1]
    await h.send_document(user, images.jpeg(seed=6), "good.jpg", "image/jpeg")
    assert f"Photos so far: {taken + 2} of 10." in texts(h, user)[-1]


async def file_case(h: TelegramHarness, user: SimUser) -> Case:
    await h.send_text(user, "/report")
    await press(h, user, "Dumped garbage")
    await h.send_photo(user, images.jpeg(seed=11))
    await press(h, user, "✅ Done")
    await h.send_location(user, *IN_GRADE1)
    await press(h, user, "Skip")
    severity = h.last_message(user)
    await h.press(user, severity, next(b for b in buttons(severity) if b.endswith("high")))
    await press(h, user, "✅ Send the report")
    async with deps(h).sessions() as s:
        case: Case | None = (await s.scalars(select(Case).order_by(Case.id.desc()))).first()
    assert case is not None
    return case


def random_data(rng: random.Random) -> str:
    """64 bytes of UTF-8, of any characters (what a forger can put in callback data)."""
    out = ""
    while True:
        char = chr(rng.choice([rng.randrange(0x20, 0x7F), rng.randrange(0xA0, 0xD7FF),
                               rng.randrange(0x10000, 0x10FFFF)]))
        if len((out + char).encode()) > 64:
            return out + "x" * (64 - len(out.encode()))
        out += char


async def test_forged_button_data_changes_no_case_and_no_draft(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    await add_manager(deps(h).sessions, 5001, "Village manager", VILLAGE)
    await add_manager(deps(h).sessions, 5003, "Other manager", OTHER_VILLAGE)
    manager, other = await volunteer(h, 5001, "Village manager"), await volunteer(h, 5003, "O")
    alice, mallory = await volunteer(h, 6001, "Alice"), await volunteer(h, 6002, "Mallory")
    case = await file_case(h, alice)
    # Alice starts a second report; Mallory will try her draft's buttons
    await h.send_text(alice, "/report")
    alice_button = h.last_message(alice)["reply_markup"]["inline_keyboard"][0][0]
    events = await count(h, CaseEvent)
    rng = random.Random(7)
    forgeries = [
        *(callback_data(case.id, action, version) for action in Action
          for version in (case.version, case.version + 1, 0, 2**62)),
        *(callback_data(case.id + n, Action.ACCEPT, 1) for n in (1, 1000)),
        f"c:{case.id}:acc:-1", f"c:-{case.id}:acc:1", f"c:{case.id}:acc", "c::::",
        alice_button["callback_data"], alice_button["callback_data"].replace("|c|", "|ok|"),
        "r|000000|ok|", "r|" + "f" * 58 + "|ok|", "sv:1:2:3", "x" * 64,
        *(random_data(rng) for _ in range(20)),
    ]
    for who in (other, mallory):
        target = h.last_message(who)
        for data in forgeries:
            query = h.emulator.users.press(who.id, who.id, target["message_id"], data)
            await h.flush()
            if data.startswith(("c:", "r|")):  # ours: always told why not
                assert h.callback_answer(query) is not None, f"{data!r} went unanswered"
    async with deps(h).sessions() as s:
        fresh = await s.get(Case, case.id)
        assert fresh is not None and (fresh.state, fresh.version) == (case.state, case.version)
        assert len(list(await s.scalars(select(Draft)))) == 1  # Alice's, untouched
    assert await count(h, CaseEvent) == events
    assert await count(h, Case) == 1
    # The real manager's real button still works after all that
    await h.run_jobs(name="outbox")
    await h.press(manager, with_button(h, manager, "Accept"), "Accept")
    assert await count(h, CaseEvent, CaseEvent.kind == "accepted") == 1


async def test_one_person_flooding_is_answered_once_and_others_are_answered_as_usual(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    flooder, other = await volunteer(h, 6001, "Flooder"), await volunteer(h, 6002, "Other")
    sent_before = len(h.messages_to(flooder))
    for n in range(1000):
        h.emulator.users.send_text(flooder.id, f"spam {n}")
        if n == 500:
            await h.flush()
            await h.send_text(other, "/help")
            assert "/report" in texts(h, other)[-1]  # the help text, answered at once
    await h.flush()
    replies = texts(h, flooder, sent_before)
    told = [t for t in replies if "faster than I can read them" in t]
    assert len(told) == 1
    # the flooder's updates up to the limit were handled (the /start counted as one)
    assert len(replies) <= FLOOD_LIMIT
    assert await count(h, Draft) == 0
    # /help of the other person was answered, not throttled, and only once
    assert sum("/report" in t for t in texts(h, other)) >= 1
    assert not any("faster than I can read them" in t for t in texts(h, other))


async def test_a_press_no_handler_claims_is_still_answered(bot_harness: TelegramHarness) -> None:
    h = bot_harness
    user = await volunteer(h, 6001)
    rng = random.Random(3)
    for data in ("x" * 64, random_data(rng), "sv:1:2:3"):
        query = h.emulator.users.press(user.id, user.id, h.last_message(user)["message_id"],
                                       data)
        await h.flush()
        assert h.callback_answer(query) is not None, f"{data!r} went unanswered"
