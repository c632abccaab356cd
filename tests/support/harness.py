"""In-process Telegram for tests: a real PTB Application talking to the sandbox's emulator.

    emu = BotApiEmulator()
    app = ApplicationBuilder().token(emu.token).request(EmulatorRequest(emu))
          .get_updates_request(EmulatorRequest(emu)).build()     # or emulator_requests(emu)
    async with TelegramHarness(emu, app) as h:
        alice = h.user("Alice")
        await h.send_text(alice, "/start")
        assert "Welcome" in h.last_message(alice)["text"]

Every user action queues updates in the emulator and feeds them all to `app.process_update`
before returning. Leaving the block fails the test if the emulator refused any call (a bug in
the bot) or a handler raised.
"""

from __future__ import annotations

import datetime as dtm
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from telegram import Update
from telegram.error import NetworkError, TimedOut
from telegram.ext import Application, ApplicationBuilder, ContextTypes
from telegram.request import BaseRequest, RequestData

from sandbox.telegram.echo import add_echo_handlers
from sandbox.telegram.emulator import BotApiEmulator, Refusal
from sandbox.telegram.errors import SimulatedTimeout

JSON = dict[str, Any]
_FILE_URL = re.compile(r"/file/bot(?P<token>[^/]+)/(?P<path>.+)$")
_METHOD_URL = re.compile(r"/bot(?P<token>[^/]+)/(?P<method>\w+)$")


class EmulatorRequest(BaseRequest):
    """PTB's networking replaced by direct calls into the emulator (no sockets)."""

    def __init__(self, emulator: BotApiEmulator, read_timeout: float = 5.0) -> None:
        self.emulator = emulator
        self._read_timeout = read_timeout

    @property
    def read_timeout(self) -> float:
        return self._read_timeout

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        file_match = _FILE_URL.search(unquote(url))
        if file_match:
            data = self.emulator.download(file_match["token"], file_match["path"])
            return (200, data) if data is not None else (404, b'{"ok":false,"error_code":404,'
                                                                b'"description":"Not Found"}')
        match = _METHOD_URL.search(url)
        if not match:
            return 404, b'{"ok":false,"error_code":404,"description":"Not Found"}'
        params: JSON = dict(request_data.parameters) if request_data else {}
        files: dict[str, tuple[str, bytes, str]] = {}
        if request_data and request_data.contains_files:
            for name, (file_name, content, mime) in request_data.multipart_data.items():
                raw = content if isinstance(content, bytes) else content.read()
                files[name] = (file_name, raw, mime)
        try:
            status, body = await self.emulator.call(match["token"], match["method"], params,
                                                    files)
        except SimulatedTimeout as exc:
            if exc.disconnect:
                raise NetworkError("Server disconnected without sending a response.") from exc
            raise TimedOut("Timed out") from exc
        return status, json.dumps(body).encode()


def emulator_requests(emulator: BotApiEmulator) -> dict[str, EmulatorRequest]:
    """Keyword arguments for ApplicationBuilder-style wiring: request and get_updates_request."""
    return {"request": EmulatorRequest(emulator),
            "get_updates_request": EmulatorRequest(emulator, read_timeout=60.0)}


@dataclass(frozen=True)
class SimUser:
    id: int
    name: str
    language_code: str | None
    json: JSON

    @property
    def chat_id(self) -> int:
        return self.id


@dataclass(frozen=True)
class SimChat:
    id: int
    title: str
    json: JSON

    @property
    def chat_id(self) -> int:
        return self.id


ChatRef = SimUser | SimChat | int


def _chat_id(chat: ChatRef | None, default: int) -> int:
    if chat is None:
        return default
    return chat if isinstance(chat, int) else chat.chat_id


@dataclass
class TelegramHarness:
    """Drive `app` as simulated users would; see the module docstring."""

    emulator: BotApiEmulator
    app: Application[Any, Any, Any, Any, Any, Any]
    fail_on_refusal: bool = True
    fail_on_handler_error: bool = True
    errors: list[BaseException] = field(default_factory=list)
    _refusals_at_start: int = 0

    @property
    def refusals(self) -> list[Refusal]:
        return self.emulator.refusals[self._refusals_at_start :]

    async def __aenter__(self) -> TelegramHarness:
        self._refusals_at_start = len(self.emulator.refusals)
        self.app.add_error_handler(self._record_error)
        await self.app.initialize()
        if self.app.post_init:
            await self.app.post_init(self.app)
        return self

    async def __aexit__(self, exc_type: object, exc: object, tb: object) -> None:
        await self.app.shutdown()
        if self.app.post_shutdown:
            await self.app.post_shutdown(self.app)
        if exc_type is not None:
            return
        if self.fail_on_refusal and self.refusals:
            lines = "\n".join(f"  {r.method}: {r.status} {r.description} {r.params}"
                              for r in self.refusals)
            raise AssertionError(f"Telegram would have refused the bot's calls:\n{lines}")
        if self.fail_on_handler_error and self.errors:
            raise AssertionError(f"a handler raised: {self.errors[0]!r}") from self.errors[0]

    async def _record_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if context.error is not None:
            self.errors.append(context.error)

    # ----- people -----
    def user(self, name: str, language_code: str | None = "zh-hans", *,
             username: str | None = None, user_id: int | None = None) -> SimUser:
        data = self.emulator.users.create_user(name, language_code=language_code,
                                               username=username, user_id=user_id)
        return SimUser(data["id"], name, language_code, data)

    def group(self, title: str, members: Sequence[SimUser] = (), *,
              supergroup: bool = True) -> SimChat:
        """A group with the bot in it; the first member created it (one is made if none)."""
        people = list(members) or [self.user(f"{title} owner")]
        data = self.emulator.users.create_group(title, [m.id for m in people],
                                                supergroup=supergroup)
        return SimChat(data["id"], title, data)

    # ----- feeding the bot -----
    async def flush(self) -> int:
        """Hand every pending update to the application, in order; how many there were."""
        count = 0
        while pending := self.emulator.take_updates():
            for raw in pending:
                await self.app.process_update(Update.de_json(raw, self.app.bot))
                count += 1
        return count

    async def run_jobs(self, within: float = 5.0, name: str | None = None) -> int:
        """Run now the jobs due in the next `within` seconds (album debounce and the like);
        with `name`, only jobs of that name, whenever due. One-off jobs are then removed,
        repeating ones stay. Then flush updates. (The job queue is not started in tests, so
        nothing runs by itself; `Job.next_t` is unavailable then, the trigger says when.)"""
        queue = self.app.job_queue
        ran = 0
        if queue is None:
            return ran
        now = dtm.datetime.now(dtm.UTC)
        horizon = now + dtm.timedelta(seconds=within)
        for job in queue.jobs():
            if name is not None and job.name != name:
                continue
            trigger = job.job.trigger
            due = trigger.get_next_fire_time(None, now)
            if name is None and (due is None or due > horizon):
                continue
            await job.run(self.app)
            ran += 1
            if hasattr(trigger, "run_date"):  # APScheduler's DateTrigger: a one-off job
                job.schedule_removal()
        await self.flush()
        return ran

    async def send_text(self, user: SimUser, text: str, chat: ChatRef | None = None, *,
                        reply_to: JSON | None = None) -> JSON:
        sent = self.emulator.users.send_text(
            user.id, text, chat_id=_chat_id(chat, user.id),
            reply_to=reply_to["message_id"] if reply_to else None)
        await self.flush()
        return sent

    async def send_photo(self, user: SimUser, data: bytes, *, as_file: bool = False,
                         caption: str | None = None, chat: ChatRef | None = None) -> JSON:
        sent = self.emulator.users.send_photos(user.id, [data], as_file=as_file, caption=caption,
                                               chat_id=_chat_id(chat, user.id))
        await self.flush()
        return sent[0]

    async def send_album(self, user: SimUser, photos: Sequence[bytes], *, as_file: bool = False,
                         caption: str | None = None, chat: ChatRef | None = None,
                         album_wait: float = 5.0) -> list[JSON]:
        """Several photos at once; then run jobs due within `album_wait` s (album debounce)."""
        sent = self.emulator.users.send_photos(user.id, list(photos), as_file=as_file,
                                               caption=caption, chat_id=_chat_id(chat, user.id))
        await self.flush()
        if album_wait:
            await self.run_jobs(within=album_wait)
        return sent

    async def send_document(self, user: SimUser, data: bytes, file_name: str,
                            mime_type: str = "application/octet-stream", *,
                            caption: str | None = None, chat: ChatRef | None = None) -> JSON:
        sent = self.emulator.users.send_document(user.id, data, file_name, mime_type,
                                                 caption=caption,
                                                 chat_id=_chat_id(chat, user.id))
        await self.flush()
        return sent

    async def send_location(self, user: SimUser, latitude: float, longitude: float, *,
                            live_period: int | None = None, chat: ChatRef | None = None) -> JSON:
        sent = self.emulator.users.send_location(user.id, latitude, longitude,
                                                 live_period=live_period,
                                                 chat_id=_chat_id(chat, user.id))
        await self.flush()
        return sent

    async def move_live_location(self, user: SimUser, message: JSON, latitude: float,
                                 longitude: float, *, stop: bool = False) -> JSON:
        sent = self.emulator.users.move_live_location(
            user.id, message["chat"]["id"], message["message_id"], latitude, longitude,
            stop=stop)
        await self.flush()
        return sent

    async def send_contact(self, user: SimUser, phone_number: str) -> JSON:
        sent = self.emulator.users.send_contact(user.id, phone_number, user.name)
        await self.flush()
        return sent

    async def forward(self, user: SimUser, message: JSON, to: ChatRef | None = None) -> JSON:
        sent = self.emulator.users.forward(user.id, message["chat"]["id"], message["message_id"],
                                           to_chat_id=_chat_id(to, user.id))
        await self.flush()
        return sent

    async def press(self, user: SimUser, message: JSON, button_text: str) -> str:
        """Tap the inline button labelled `button_text`; fails the test if there is none."""
        chat_id, message_id = message["chat"]["id"], message["message_id"]
        data = self.emulator.users.button_data(chat_id, message_id, button_text)
        if data is None:
            current = self._current(chat_id, message_id)
            labels = [b.get("text") for row in (current.get("reply_markup") or {}).get(
                "inline_keyboard", []) for b in row]
            raise AssertionError(f"no button {button_text!r} on message {message_id}: {labels}")
        query_id = self.emulator.users.press(user.id, chat_id, message_id, data)
        await self.flush()
        return query_id

    async def inject(self, update: JSON) -> int:
        update_id = self.emulator.inject_update(update)
        await self.flush()
        return update_id

    # ----- reading what the bot did -----
    def _current(self, chat_id: int, message_id: int) -> JSON:
        for message in self.emulator.messages(chat_id):
            if message["message_id"] == message_id:
                return message
        raise AssertionError(f"no message {message_id} in chat {chat_id}")

    def messages_to(self, chat: ChatRef) -> list[JSON]:
        """What the bot sent to a chat and is still there: current content, edit_history too."""
        return self.emulator.bot_messages(_chat_id(chat, 0))

    def last_message(self, chat: ChatRef) -> JSON:
        sent = self.messages_to(chat)
        if not sent:
            raise AssertionError(f"the bot sent nothing to chat {_chat_id(chat, 0)}")
        return sent[-1]

    def callback_answer(self, query_id: str) -> JSON | None:
        record = self.emulator.state.callbacks.get(query_id)
        return record.answer if record else None


def echo_app(emulator: BotApiEmulator) -> Application[Any, Any, Any, Any, Any, Any]:
    """The sandbox's echo bot wired to the emulator in-process (for testing the sandbox)."""
    requests = emulator_requests(emulator)
    app = (
        ApplicationBuilder()
        .token(emulator.token)
        .request(requests["request"])
        .get_updates_request(requests["get_updates_request"])
        .build()
    )
    add_echo_handlers(app)
    return app
