"""A scripted WeCom member of a bot in another process: posts to its callback as WeCom does
(sandbox.wecom), then waits, bounded, for what the bot sends back through the API stand-in;
files a whole report in Chinese. Used by the WeCom benchmark and the `gridpatrol run` tests."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sandbox.wecom import App, Delivered, WeComSender, WeComState, card_event
from sandbox.wecom import image as image_message
from sandbox.wecom import location as location_message
from sandbox.wecom import text as text_message
from services.grid.datum import wgs84_to_gcj02
from tests.support.images import jpeg

NUMBER = re.compile(r"HZ-\d{4}-\d{6}")


def words(got: list[Delivered]) -> str:
    """What the messages say: texts, and cards' titles and sub titles."""
    return "\n".join(str(m.body.get("content") or m.body.get("main_title", {}).get("title", ""))
                     + str(m.body.get("sub_title_text", "")) for m in got)


def has_button(got: list[Delivered], label: str) -> bool:
    return any(label in b["text"] for m in got if m.msgtype == "template_card"
               and "replaced" not in m.body for b in m.body.get("button_list", []))


def shown(got: list[Delivered]) -> str:
    """The words and the buttons' labels."""
    return words(got) + "".join(b["text"] for m in got if m.msgtype == "template_card"
                                for b in m.body.get("button_list", []))


@dataclass
class WeComPerson:
    wecom: WeComState
    app: App
    callback_url: str
    user: str
    timeout: float = 60.0
    alive: Callable[[], bool] = lambda: True  # False: the bot exited, stop waiting
    enduring: bool = False  # the bot may be killed: post again what was not delivered
    reposts: int = 0
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.sender = WeComSender(self.app, self.callback_url)
        self.wecom.members.add(self.user.lower())
        self.wecom.watchers.append(self._seen)

    def _seen(self, message: Delivered, updated: bool) -> None:
        if message.user == self.user.lower():
            self.changed.set()

    def inbox(self) -> list[Delivered]:
        return self.wecom.inbox(self.user)

    async def wait(self, before: int, found: Callable[[list[Delivered]], bool],
                   what: str) -> list[Delivered]:
        """The messages after the first `before`, once `found` holds of them."""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline and self.alive():
            got = self.inbox()[before:]
            if got and found(got):
                return got
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), 0.5)
        last = shown(self.inbox()[before:])[-500:]
        raise AssertionError(f"never happened: {self.user} {what}; got {last}")

    async def post(self, plain: str, expect: str, *, button: bool = False) -> list[Delivered]:
        """Post, then wait for `expect` in the words (or, `button`, on a button). `enduring`:
        a message WeCom could not deliver (the bot was down) is posted again, the same message,
        as WeCom would, until it is; an answer may then come late, from the restarted bot."""
        before = len(self.inbox())
        for tries in range(1, 121):
            posted = await self.sender.post(plain)
            if posted.delivered:
                break
            assert self.enduring, f"WeCom could not deliver to the bot: {posted.tries}"
            self.reposts += 1
            await asyncio.sleep(min(0.25 * tries, 2.0))
        else:
            raise AssertionError(f"{self.user}: the bot took no message for two minutes")
        return await self.wait(before, lambda got: has_button(got, expect) if button
                               else any(e in shown(got) for e in expect.split("|")),
                               f"told {expect!r}")

    async def say(self, text: str, expect: str, *, button: bool = False) -> list[Delivered]:
        return await self.post(text_message(self.app, self.user, text), expect, button=button)

    async def press(self, got: list[Delivered], label: str, expect: str, *,
                    button: bool = False) -> list[Delivered]:
        for message in reversed(got):
            if message.msgtype != "template_card" or "replaced" in message.body:
                continue
            for choice in message.body["button_list"]:
                if label in choice["text"]:
                    return await self.post(card_event(
                        self.app, self.user, choice["key"], message.body["task_id"],
                        self.wecom.clicked(message)), expect, button=button)
        raise AssertionError(f"{self.user}: no button {label!r} in {shown(got)[-500:]}")

    async def file_report(self, seed: int, place: tuple[float, float]) -> str:
        """/report to the case number ("" when the bot filed it but died before it said so):
        garbage, one photo, the place (as WeCom's map gives it, GCJ-02), a description, the
        suggested severity, send."""
        asked = await self.say("/report", "取消", button=True)  # the categories' last card
        await self.press(asked, "垃圾", "返回", button=True)
        media = f"MEDIA-{self.user}-{seed}"
        self.wecom.media[media] = (jpeg(seed=seed, width=320, height=240), "image/jpeg",
                                   "p.jpg")
        kept = await self.post(image_message(self.app, self.user, media), "完成", button=True)
        await self.press(kept, "完成", "位置")
        await self.post(location_message(self.app, self.user, *wgs84_to_gcj02(*place)),
                        "跳过", button=True)
        severity = await self.say(f"第 {seed} 号测试上报", "紧急", button=True)
        confirm = await self.press(severity, "✓", "提交", button=True)
        # the Send pressed as the bot died may be handled again after its restart: the second
        # time says the report is already sent (both words count as filed)
        done = await self.press(confirm, "提交", "谢谢|已经提交|已提交")
        found = NUMBER.search(words(done))
        if found is None:  # "already sent": filed, but the thank-you went with the dead bot
            assert self.enduring and "已提交" in words(done), words(done)
            return ""
        return found.group(0)
