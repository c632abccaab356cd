"""A WeCom member who files a report whatever goes wrong on the way, as a patient person does:
reads what the bot asks now from its last message, answers that; when the answer never comes
or the bot says sorry, sends /report to see where the draft stands (after Send was pressed, a
new draft there means the report went in and only its thank-you was lost). Used by the fault
drill with WeCom people."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field

from drill.wecom import NUMBER, WeComPerson, words
from sandbox.wecom import Delivered, card_event
from sandbox.wecom import image as image_message
from sandbox.wecom import location as location_message
from sandbox.wecom import text as text_message
from services.grid.datum import wgs84_to_gcj02
from tests.support.images import jpeg

NEW_DRAFT = ("是什么问题", "在“类别”步骤")  # the first question, of a draft or of its resumption
QUIET = 0.3  # an answer of several messages is whole once nothing more came for this long


class GaveUp(AssertionError):
    """The bot never let the person finish."""


def labels(message: Delivered) -> list[str]:
    if message.msgtype != "template_card" or "replaced" in message.body:
        return []
    return [str(b["text"]) for b in message.body.get("button_list", [])]


def asked(got: list[Delivered]) -> str | None:
    """What the bot asks now, from its last message; None while its answer is not whole."""
    last = got[-1]
    text, shown = words([last]), labels(last)
    recent = words(got[-3:])
    if "谢谢" in text and NUMBER.search(text):
        return "done"
    if "抱歉" in text:
        return "sorry"
    if "已提交" in text:
        return "filed"  # a Send pressed again: this report went already
    if any("继续" in b for b in shown) and any("重新开始" in b for b in shown):
        return "resume"
    if "/report" in text and not shown:
        return "closed"  # sent, cancelled or expired: start anew
    if "在企业微信中" in text:
        return "place"
    if not any("取消" in b for b in shown):
        return None
    for label, step in (("提交", "confirm"), ("紧急", "severity"), ("跳过", "describe"),
                        ("完成", "more_photos"), ("其他", "category")):
        if any(label in b for b in shown):
            return step
    return "photos" if "请发送" in recent else None


@dataclass
class Tally:
    sorries: int = 0  # the bot said sorry and the person went on
    silences: int = 0  # no whole answer within the person's patience
    resumes: int = 0  # /report showed the draft where it stood
    steps: dict[str, list[str]] = field(default_factory=dict)  # member -> what was asked, done


class SteadyReporter:
    def __init__(self, person: WeComPerson, tally: Tally, patience: float = 30.0) -> None:
        self.person = person
        self.tally = tally
        self.patience = patience  # past the bot's 10 s read timeout and its apology

    async def _answer(self, before: int) -> list[Delivered] | None:
        """The messages after `before` once they end in a question and nothing more came."""
        deadline = time.monotonic() + self.patience
        while time.monotonic() < deadline:
            got = self.person.inbox()[before:]
            if got and asked(got) is not None:
                count = len(got)
                await asyncio.sleep(QUIET)
                if len(self.person.inbox()[before:]) == count:
                    return got
                continue
            self.person.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.person.changed.wait(), 0.5)
        return None

    def _press(self, got: list[Delivered], label: str) -> str:
        for message in reversed(got):
            for choice in message.body.get("button_list", []) if labels(message) else []:
                if label in choice["text"]:
                    return card_event(self.person.app, self.person.user, choice["key"],
                                      message.body["task_id"],
                                      self.person.wecom.clicked(message))
        raise GaveUp(f"{self.person.user}: no button {label!r} in {words(got)[-300:]}")

    async def file_report(self, seed: int, place: tuple[float, float],
                          max_steps: int = 60) -> str:
        """The case number ("" when Send was pressed again and the report had gone)."""
        person = self.person
        post = text_message(person.app, person.user, "/report")
        pressed_send = False  # and no answer said where the report went since
        photos = 0
        for _ in range(max_steps):
            before = len(person.inbox())
            if not (await person.sender.post(post)).delivered:
                await asyncio.sleep(0.5)
                continue
            got = await self._answer(before)
            step = asked(got) if got is not None else None
            self.tally.steps.setdefault(person.user, []).append(
                f"{step or 'silence'}: {words(got or [])[-40:]!r}")
            if step == "done":
                assert got is not None
                found = NUMBER.search(words(got))
                assert found is not None
                return found.group(0)
            if pressed_send and (step in ("filed", "category") or any(
                    mark in words(got or []) for mark in NEW_DRAFT)):
                # Send went in, but its thank-you was lost: /report now starts a new draft
                return ""
            if got is None or step in ("sorry", "closed", "filed"):
                self.tally.silences += got is None
                self.tally.sorries += step == "sorry"
                post = text_message(person.app, person.user, "/report")
                continue
            assert step is not None
            pressed_send = False
            if step == "resume":
                self.tally.resumes += 1
                post = self._press(got, "继续")
            elif step == "category":
                post = self._press(got, "垃圾")
            elif step == "photos":
                photos += 1
                media = f"MEDIA-{person.user}-{seed}-{photos}"
                person.wecom.media[media] = (jpeg(seed=seed, width=320, height=240),
                                             "image/jpeg", "p.jpg")
                post = image_message(person.app, person.user, media)
            elif step == "more_photos":
                post = self._press(got, "完成")
            elif step == "place":
                post = location_message(person.app, person.user, *wgs84_to_gcj02(*place))
            elif step == "describe":
                post = text_message(person.app, person.user, f"第 {seed} 号测试上报")
            elif step == "severity":
                post = self._press(got, "✓")
            else:  # confirm
                post, pressed_send = self._press(got, "提交"), True
        raise GaveUp(f"{person.user}: not filed in {max_steps} steps; the chat ends "
                     f"{words(person.inbox()[-3:])[-300:]}")
