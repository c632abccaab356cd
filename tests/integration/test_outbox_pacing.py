"""The sender keeps Telegram's flood bounds by itself: the emulator, its flood limits on and on
the same fake clock, never has to answer 429."""

from __future__ import annotations

from itertools import pairwise

from tests.support.outbox import (
    Paced,
    paced,
    texts,
)

__all__ = ["paced"]  # the fixture, used by name


def started(p: Paced, name: str) -> int:
    """A person who has opened a chat with the bot (the bot never sees their /start)."""
    user = p.h.user(name)
    p.h.emulator.users.send_text(user.id, "/start")
    p.h.emulator.take_updates()
    return user.id


async def test_sixty_alerts_to_one_group_take_three_minutes_without_a_429(paced: Paced) -> None:
    group = paced.h.group("妙西镇网格群")
    await paced.queue(group.id, 60)
    await paced.sender.drain()
    times = paced.times(group.id)
    assert len(times) == 60 and paced.statuses() == {200}
    assert texts(paced.h, group)[-1] == "[zh_CN] n59"  # in order, the last one last
    assert times[-1] - times[0] >= 59 * 3  # one every 3 s: 20 a minute
    assert all(sum(t <= at < t + 60 for at in times) <= 20 for t in times)


async def test_a_hundred_notices_to_one_person_go_at_one_a_second(paced: Paced) -> None:
    person = started(paced, "王芳")
    await paced.queue(person, 100)
    await paced.sender.drain()
    times = paced.times(person)
    assert len(times) == 100 and paced.statuses() == {200}
    # a short burst, then one a second
    assert 96 <= times[-1] - times[0] <= 99
    assert all(later - earlier >= 1 - 1e-9 for earlier, later in pairwise(times[3:]))


async def test_two_hundred_chats_share_thirty_a_second(paced: Paced) -> None:
    people = [started(paced, f"P{index}") for index in range(200)]
    for person in people:
        await paced.queue(person, 1)
    await paced.sender.drain()
    times = sorted(at for at, _, _ in paced.request.sent)
    assert len(times) == 200 and paced.statuses() == {200}
    assert all(len(paced.times(person)) == 1 for person in people)
    assert all(sum(t <= at < t + 1 for at in times) <= 30 + 10 for t in times)  # 30/s, burst 10
    assert times[-1] - times[0] >= (200 - 10) / 30 - 1e-6
