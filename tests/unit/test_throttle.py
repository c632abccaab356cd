"""The flood guard in no chat's terms: past the limit within a window a person's updates are
dropped, the first dropped one answered in their chat's way (an alert to a press, a reply in a
private chat, silence in a group), and the next window lets them on again."""

from __future__ import annotations

from handlers.chat import Who
from handlers.throttle import FloodGuard


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_flood_is_answered_once_then_dropped_until_the_window_passes() -> None:
    clock = Clock()
    guard = FloodGuard(2, 60.0, "en", clock=clock)
    alice = Who("web", "1", "1", language_code="en")
    assert [guard.judge(alice).admit for _ in range(2)] == [True, True]
    told = guard.judge(alice)
    assert not told.admit and told.answer is not None
    assert "faster than I can read them" in told.answer.replies[0].text
    again = guard.judge(alice)
    assert not again.admit and again.answer is None
    assert guard.judge(Who("web", "2", "2")).admit  # someone else pays nothing
    assert guard.dropped == 2
    clock.now = 60.0
    assert guard.judge(alice).admit


def test_a_press_hears_an_alert_and_a_group_hears_nothing() -> None:
    guard = FloodGuard(0, 60.0, "zh_CN", clock=Clock())
    pressed = guard.judge(Who("web", "1", "1"), press=True).answer
    assert pressed is not None and pressed.alert and pressed.toast and not pressed.replies
    assert pressed.toast.startswith("您发送消息的速度太快了")
    in_group = guard.judge(Who("web", "2", "-5", private=False))
    assert not in_group.admit and in_group.answer is None
