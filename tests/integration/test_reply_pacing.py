"""Direct replies on the pace the outbox keeps (bot.telegram.pace): a reply Telegram answered
429 is waited out and made once more, so the person gets it once and is not told sorry; the
same reply met with 429 twice fails as any handler does (sorry, try again)."""

from __future__ import annotations

import time

from bot.telegram.pace import PACER_KEY, ReplyPacing
from tests.support.harness import TelegramHarness


def pacing(h: TelegramHarness) -> ReplyPacing:
    limiter = h.app.bot.rate_limiter
    assert isinstance(limiter, ReplyPacing)
    return limiter


async def test_a_reply_met_with_429_is_waited_out_and_arrives_once(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    li = h.user("李雷")
    h.emulator.faults.add("retry_after", method="sendMessage", chat_id=li.id, retry_after=1)
    started = time.monotonic()
    await h.send_text(li, "/start")
    welcome = [m for m in h.messages_to(li) if "欢迎" in (m.get("text") or "")]
    assert len(welcome) == 1 and "抱歉" not in str(h.messages_to(li))
    assert time.monotonic() - started >= 1.0  # Telegram's "retry after 1" was kept
    assert pacing(h).waited_out == 1
    metrics = h.app.bot_data["deps"].metrics
    assert metrics.registry.get_sample_value(  # /metrics counts it
        "gridpatrol_flood_waits_total", {"channel": "telegram"}) == 1
    assert pacing(h).pacer is h.app.bot_data[PACER_KEY]  # the outbox's pacer, the same one


async def test_a_second_429_on_the_same_reply_is_the_handlers_failure(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    li = h.user("李雷")
    h.emulator.faults.add("retry_after", method="sendMessage", chat_id=li.id, retry_after=1,
                          count=2)
    h.fail_on_handler_error = False  # the handler's failure is the point
    await h.send_text(li, "/start")
    got = [m.get("text") or "" for m in h.messages_to(li)]
    assert not any("欢迎" in t for t in got)  # made once more, not a third time
    assert any("抱歉" in t for t in got)  # told, in their language, to try again
