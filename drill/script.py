"""People, as a drill plays them: a reporter who files reports through the real conversation and
a manager who accepts every alert. Both read what the bot shows and act on it, and when the
bot does not answer (it was killed, the database was down), they do what a person does: press
again, or send /report to see where they are. Nothing here sleeps for a fixed time; every wait
is for a condition, with a timeout."""

# A driver, not the bot: a blocking call of a millisecond here delays nobody.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from drill.facts import Silence
from drill.world import PLACE, DrillEmulator
from tests.support import images

JSON = dict[str, Any]
NUMBER = re.compile(r"[A-Z]+-\d{4}-\d+")
CATEGORY = "Dumped garbage"
FILING = ("✅ Send the report", "📨 Send a new report")


class GaveUp(Exception):
    """A scripted person could not get on after many tries (the drill reports it)."""


def buttons(message: JSON) -> list[JSON]:
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


def text_of(message: JSON) -> str:
    return str(message.get("text") or message.get("caption") or "")


@dataclass
class Person:
    emulator: DrillEmulator
    user_id: int
    name: str
    answer_timeout: float = 3.0
    retries: int = 0
    silences: list[Silence] = field(default_factory=list)  # each wait for an answer in vain

    @property
    def users(self) -> Any:
        return self.emulator.users

    def bot_messages(self, last: int | None = 16) -> list[JSON]:
        """The bot's latest messages in this chat, oldest first (shallow views: cheap, since a
        waiting person looks after every change in the emulator)."""
        chat = self.emulator.state.chat(self.user_id)
        if chat is None:
            return []
        found: list[JSON] = []
        for stored in reversed(chat.messages.values()):
            if stored.from_bot and not stored.deleted:
                found.append({**stored.data, "rev": stored.rev})
                if last is not None and len(found) >= last:
                    break
        return found[::-1]

    def mark(self) -> tuple[int, int]:
        """(last message id, last revision) of the bot's messages in this chat."""
        sent = self.bot_messages()
        return (max((m["message_id"] for m in sent), default=0),
                max((m["rev"] for m in sent), default=0))

    async def wait_for(self, found: Callable[[], Any], timeout: float) -> Any:
        """found() until it is truthy or the bot has been up for `timeout` seconds since (then
        None). Patience counted in the bot's time up, not the clock's: on a busy machine a
        killed bot takes seconds to start again, and a person who asks again meanwhile only
        piles up work the bot finds waiting, which would make the drill measure the machine."""
        start = time.monotonic()
        bound = start + 20 * timeout  # however long the outages, a person waits no longer
        while True:
            value = found()
            if value:
                return value
            now = time.monotonic()
            left = timeout - self.emulator.up_for(start, now)
            if left <= 0 or now >= bound:
                return None
            await self.emulator.state.wait_change(min(left, 0.25))

    def silent(self, what: str, start: float, faults: int, *, press: bool = False,
               query: str | None = None) -> Silence:
        """Note a wait in vain since `start` (`faults`: those injected on this chat then)."""
        silence = Silence(self.user_id, what, start, time.monotonic(), press=press,
                          fault=self.emulator.faults_to[self.user_id] != faults, query=query)
        self.silences.append(silence)
        return silence

    def answer_of(self, query_id: str | None) -> str | None:
        if query_id is None:
            return None
        record = self.emulator.state.callbacks.get(query_id)
        if record is None or not record.answered:
            return None
        return str((record.answer or {}).get("text") or "")


@dataclass
class Reporter(Person):
    """Files reports one after another: category, one photo, the location, no description,
    severity high, send; and a new report past the duplicate question."""

    filed: list[str] = field(default_factory=list)
    filed_unknown: int = 0  # filed, but the thank-you was lost (the bot died after the commit)
    stuck: int = 0  # "Continue" showed nothing, so the person started over
    place: tuple[float, float] = PLACE
    apologies: int = 0  # the bot apologised for a Send press (which may have filed it)
    pace: Callable[[], float] | None = None  # seconds to think before each step (benchmarks)
    latencies: list[float] = field(default_factory=list)  # each step's wait for its answer

    def new_prompt(self, since: tuple[int, int]) -> JSON | None:
        """The latest message since `since` that asks something we can answer: a new message,
        or one edited since into a question with buttons (an old one losing its buttons is
        not a new question)."""
        for message in reversed(self.bot_messages()):
            fresh = message["message_id"] > since[0] or (
                message["rev"] > since[1] and buttons(message))
            if fresh and classify(message) is not None:
                return message
        return None

    async def act(self, action: tuple[str, Any], message: JSON | None) -> str | None:
        kind, arg = action
        if kind == "text":
            self.users.send_text(self.user_id, arg)
        elif kind == "photo":
            self.users.send_photos(self.user_id, [arg])
        elif kind == "location":
            self.users.send_location(self.user_id, *self.place)
        elif kind == "press":
            assert message is not None
            return str(self.users.press(self.user_id, self.user_id, message["message_id"], arg))
        return None

    async def register(self, max_tries: int = 25) -> None:
        """/start until the bot says anything back."""
        for _ in range(max_tries):
            since = self.mark()
            started, faults = time.monotonic(), self.emulator.faults_to[self.user_id]
            self.users.send_text(self.user_id, "/start")
            if await self.wait_for(
                    lambda since=since: self.mark()[0] > since[0],  # type: ignore[misc]
                    self.answer_timeout):
                return
            self.silent("text '/start'", started, faults)
            self.retries += 1
        raise GaveUp(f"{self.name}: /start went unanswered {max_tries} times")

    async def file_report(self, seed: int, max_tries: int = 60) -> None:
        """One report from /report to its case number."""
        photo = images.jpeg(seed=seed, width=320, height=240)
        action: tuple[str, Any] = ("text", "/report")
        message: JSON | None = None
        tries = misses = continues = 0
        while True:
            if self.pace is not None:
                await asyncio.sleep(self.pace())
            since = self.mark()
            started, faults = time.monotonic(), self.emulator.faults_to[self.user_id]
            query = await self.act(action, message)
            filing = action[0] == "press" and message is not None and any(
                b.get("callback_data") == action[1] and b["text"] in FILING
                for b in buttons(message))
            got = await self.wait_for(
                lambda since=since, query=query: self.new_prompt(since)  # type: ignore[misc]
                or (self.answer_of(query) and {"alert": self.answer_of(query)}),
                self.answer_timeout)
            if got is not None:
                self.latencies.append(time.monotonic() - started)
            if got is None:  # no answer: press the same button again, or ask where we are
                tries += 1
                self.retries += 1
                silence = self.silent(_what(action, message), started, faults,
                                      press=action[0] == "press", query=query)
                if tries > max_tries:
                    tail = [text_of(m)[:60] for m in self.emulator.messages(self.user_id)[-4:]]
                    raise GaveUp(f"{self.name}: no answer after {max_tries} tries to "
                                 f"{action[0]} {str(action[1])[:20]!r}; the chat ends {tail}")
                if not filing:
                    if action[0] == "press" and str(action[1]).endswith("|rs|") \
                            and not silence.fault:
                        # Continue unanswered with the bot up and no fault to explain it, or
                        # three times whatever happened: start over (counted as stuck)
                        continues += 1
                        down = self.emulator.down_during(silence.start, silence.end)
                        if not down or continues >= 3:
                            misses, continues = misses + 1, 0
                    action, message = ("text", "/report"), None
                continue
            if "alert" in got:
                if filing and "already sent" in str(got["alert"]):
                    self.filed_unknown += 1  # the draft became a case; the answer was lost
                    return
                if filing and "Sorry" in str(got["alert"]):
                    self.apologies += 1  # "try again": press Send again (it may have gone)
                    continue
                action, message = ("text", "/report"), None
                continue
            step = classify(got)
            if step == "done":
                found = NUMBER.search(text_of(got))
                assert found is not None
                self.filed.append(found.group(0))
                return
            if step == "closed" and filing:
                self.filed_unknown += 1
                return
            message = got
            action = next_action(step, got, photo)
            if step == "resume" and misses:
                self.stuck += 1
                misses = 0
                action = _press(got, lambda t: t == "🔄 Start over")


def _what(action: tuple[str, Any], message: JSON | None) -> str:
    """An action in words: the button's label for a press."""
    kind, arg = action
    if kind == "press" and message is not None:
        label = next((b["text"] for b in buttons(message) if b.get("callback_data") == arg), arg)
        return f"press {label!r}"
    return f"{kind} {str(arg)[:24]!r}" if kind == "text" else f"a {kind}"


def classify(message: JSON) -> str | None:
    text = text_of(message)
    labels = [b["text"] for b in buttons(message)]
    if "Thank you! Your report" in text:
        return "done"
    if "Please send /start first" in text:
        return "start"
    if "no longer open" in text:
        return "closed"
    if "▶️ Continue" in labels:
        return "resume"
    if "📨 Send a new report" in labels:
        return "duplicate"
    if "✅ Send the report" in labels:
        return "summary"
    if "What is the problem?" in text:
        return "category"
    if "Send 1 to" in text:
        return "photos"
    if "Where is it?" in text:
        return "place"
    if "Describe what you see" in text:
        return "description"
    if "How serious is it?" in text:
        return "severity"
    return None


def _press(message: JSON, label: Callable[[str], bool]) -> tuple[str, Any]:
    for button in buttons(message):
        if label(button["text"]):
            return "press", button["callback_data"]
    raise GaveUp(f"no such button on {text_of(message)[:80]!r}: "
                 f"{[b['text'] for b in buttons(message)]}")


def next_action(step: str | None, message: JSON, photo: bytes) -> tuple[str, Any]:
    if step in ("start",):
        return "text", "/start"
    if step == "closed":
        return "text", "/report"
    if step == "resume":
        return _press(message, lambda t: t == "▶️ Continue")
    if step == "duplicate":
        return _press(message, lambda t: t == "📨 Send a new report")
    if step == "summary":
        return _press(message, lambda t: t == "✅ Send the report")
    if step == "category":
        return _press(message, lambda t: t == CATEGORY)
    if step == "photos":
        if "Photos so far" in text_of(message):
            return _press(message, lambda t: t == "✅ Done")
        return "photo", photo
    if step == "place":
        return "location", None
    if step == "description":
        return _press(message, lambda t: t == "Skip")
    if step == "severity":
        return _press(message, lambda t: t.endswith("high"))
    raise GaveUp(f"cannot answer {text_of(message)[:80]!r}")


@dataclass
class Manager(Person):
    """Accepts every alert that arrives, pressing again when the press goes unanswered."""

    accepted: set[int] = field(default_factory=set)  # alert message ids answered

    def open_alerts(self) -> list[JSON]:
        return [m for m in self.bot_messages(last=None)
                if m["message_id"] not in self.accepted
                and any(b["text"] == "Accept" for b in buttons(m))]

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            alerts = self.open_alerts()
            if not alerts:
                await self.emulator.state.wait_change(0.5)
                continue
            for alert in alerts:
                await self.accept(alert)

    def _still_open(self, message_id: int) -> bool:
        return any(m["message_id"] == message_id and any(
            b["text"] == "Accept" for b in buttons(m)) for m in self.bot_messages())

    async def accept(self, alert: JSON) -> None:
        """Press Accept; done when the card loses the button or the bot says why not (an
        apology for a failure on its side means: press again)."""
        data = next(b["callback_data"] for b in buttons(alert) if b["text"] == "Accept")
        started, faults = time.monotonic(), self.emulator.faults_to[self.user_id]
        query = str(self.users.press(self.user_id, self.user_id, alert["message_id"], data))

        def outcome() -> str | None:
            answer = self.answer_of(query)
            if answer and "Sorry" in answer:
                return "again"
            if not self._still_open(alert["message_id"]) or answer:
                return "done"
            return None

        got = await self.wait_for(outcome, self.answer_timeout)
        if got == "done":
            self.accepted.add(alert["message_id"])
            return
        self.retries += 1  # unanswered, or the bot failed: the loop presses again
        if got is None:
            self.silent("press 'Accept'", started, faults, press=True, query=query)
