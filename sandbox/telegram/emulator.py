"""BotApiEmulator: an in-memory imitation of Telegram's Bot API, strict where Telegram is.

One entry for bots, `call(token, method, params, files)`, shared by the HTTP server and the
in-process test harness; the user side is `emulator.users` (see users.py). Every refusal is
logged at ERROR and kept in `refusals`: a refusal is a bug in the bot.
"""

from __future__ import annotations

import copy
import logging
import re
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sandbox.telegram.core import Core
from sandbox.telegram.edit import METHODS as EDIT_METHODS
from sandbox.telegram.errors import ApiError, SimulatedTimeout, bad_request
from sandbox.telegram.faults import Faults
from sandbox.telegram.flood import FloodConfig, FloodControl
from sandbox.telegram.info import CONFLICT_POLL
from sandbox.telegram.info import METHODS as INFO_METHODS
from sandbox.telegram.send import METHODS as SEND_METHODS
from sandbox.telegram.send import Method
from sandbox.telegram.spec import Upload, validate_call
from sandbox.telegram.state import JSON, State
from sandbox.telegram.users import Users

log = logging.getLogger("gridpatrol.sandbox")
DEFAULT_TOKEN = "7000000000:SANDBOX-gridpatrol-local-token"
_TOKEN = re.compile(r"^(\d+):[A-Za-z0-9_-]+$")
METHODS: dict[str, Method] = {**SEND_METHODS, **EDIT_METHODS, **INFO_METHODS}
FileArg = bytes | Upload | tuple[str, bytes] | tuple[str, bytes, str]


@dataclass(frozen=True)
class Refusal:
    method: str
    status: int
    description: str
    params: JSON


class BotApiEmulator:
    """Telegram for one bot. `clock` (monotonic seconds) drives flood limits and the
    callback-answer deadline, so tests can move time without sleeping."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "gridpatrol_sandbox_bot",
        bot_name: str = "GridPatrol",
        flood: FloodConfig | None = None,
        clock: Callable[[], float] = time.monotonic,
        callback_timeout: float = 15.0,
        privacy_mode: bool = True,
        timezone: str = "Asia/Shanghai",
    ) -> None:
        match = _TOKEN.match(token)
        if not match:
            raise ValueError("a bot token looks like 123456:ABC-def")
        self.token = token
        self.timezone = timezone  # the web chat shows times here (config locale.timezone)
        bot_user: JSON = {
            "id": int(match.group(1)), "is_bot": True, "first_name": bot_name,
            "username": bot_username, "can_join_groups": True,
            "can_read_all_group_messages": not privacy_mode, "supports_inline_queries": False,
            "can_connect_to_business": False, "has_main_web_app": False,
        }
        self.state = State()
        self.core = Core(self.state, bot_user, FloodControl(flood or FloodConfig(), clock), clock,
                         callback_timeout, privacy_mode)
        self.users = Users(self.core)
        self.faults = Faults()
        self.refusals: list[Refusal] = []
        self.flood_refused = 0  # calls answered 429: the bot went past Telegram's limits
        self.calls: deque[tuple[str, JSON]] = deque(maxlen=10_000)  # recent calls, for tests

    @property
    def bot_user(self) -> JSON:
        return copy.deepcopy(self.core.bot_user)

    async def call(
        self,
        token: str,
        method: str,
        params: Mapping[str, Any],
        files: Mapping[str, FileArg] | None = None,
    ) -> tuple[int, JSON]:
        """(HTTP status, Telegram's JSON body) for one Bot API call.

        `files` maps multipart part names to bytes (or (file_name, bytes[, mime]) tuples).
        Raises SimulatedTimeout when a timeout fault is injected (the transport decides what
        the client sees).
        """
        if token != self.token:
            return 401, ApiError(401, "Unauthorized").body()
        key = next((m for m in METHODS if m.lower() == method.lower()), method)
        self.calls.append((key, dict(params)))
        fault = self.faults.take(key, _chat_of(params))
        if fault is not None and not (fault.kind in ("timeout", "disconnect") and fault.delivered):
            error = fault.error()
            log.warning("sandbox: injected %s fault on %s", fault.kind, key)
            if isinstance(error, SimulatedTimeout):
                raise error
            return error.status, error.body()
        uploads = {name: _upload(name, value) for name, value in (files or {}).items()}
        try:
            checked = validate_call(key, dict(params), uploads)
            implementation = METHODS.get(key)
            if implementation is None:
                raise bad_request(f"method {key} is not supported by the sandbox")
            if key == "sendMediaGroup":
                checked["_files"] = uploads
            result = await implementation(self.core, checked)
        except ApiError as exc:
            self._refused(key, dict(params), exc)
            return exc.status, exc.body()
        if fault is not None:  # a delivered timeout: it happened, but the answer is lost
            log.warning("sandbox: injected %s fault on %s after it took effect", fault.kind, key)
            raise fault.error()
        return 200, {"ok": True, "result": result}

    def _refused(self, method: str, params: JSON, exc: ApiError) -> None:
        shown = {k: (v if not isinstance(v, Upload) else f"<{len(v.data)} bytes>")
                 for k, v in params.items()}
        self.flood_refused += exc.status == 429
        if exc.status in (403, 429) or exc.description == CONFLICT_POLL:
            # pacing, a blocked user, or a long poll superseded (often by a client that gave
            # up on it): things a correct bot meets, not bugs
            log.warning("sandbox: %s -> %s %s", method, exc.status, exc.description)
            return
        log.error("sandbox refused %s: %s %s; params=%s", method, exc.status, exc.description,
                  shown)
        self.refusals.append(Refusal(method, exc.status, exc.description, shown))

    def download(self, token: str, file_path: str) -> bytes | None:
        """The bytes behind a getFile path (what /file/bot<token>/<path> serves)."""
        if token != self.token:
            return None
        stored = self.state.files_by_path.get(file_path)
        return stored.data if stored else None

    # ----- reading what happened -----
    def messages(self, chat_id: int, *, since_rev: int = 0, include_deleted: bool = False) -> (
        list[JSON]
    ):
        """Every message of a chat, both sides, in order: current content plus edit_history."""
        chat = self.state.chat(chat_id)
        if chat is None:
            return []
        return [m.view() for m in chat.messages.values()
                if m.rev > since_rev and (include_deleted or not m.deleted or since_rev)]

    def bot_messages(self, chat_id: int) -> list[JSON]:
        return [m for m in self.messages(chat_id) if m["from_bot"]]

    def inject_update(self, update: JSON) -> int:
        """Queue any raw update (its update_id is assigned here)."""
        kinds = [k for k in update if k != "update_id"]
        if len(kinds) != 1:
            raise ValueError("an update carries exactly one kind of object")
        update_id = self.core.push_update(kinds[0], update[kinds[0]])
        if update_id is None:
            raise ValueError(f"the bot did not ask for {kinds[0]} updates")
        return update_id

    def take_updates(self) -> list[JSON]:
        """Pending updates, removed from the queue (for a harness that feeds them itself)."""
        pending, self.state.updates = self.state.updates, []
        return pending


def _upload(name: str, value: FileArg) -> Upload:
    if isinstance(value, Upload):
        return value
    if isinstance(value, bytes):
        return Upload(value, name)
    if len(value) == 3:
        return Upload(value[1], value[0], value[2])
    return Upload(value[1], value[0])


def _chat_of(params: Mapping[str, Any]) -> int | None:
    """The chat a call names, for faults aimed at one chat (None: none, or a @username)."""
    try:
        return int(params["chat_id"])
    except (KeyError, TypeError, ValueError):
        return None
