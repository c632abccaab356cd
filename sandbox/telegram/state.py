"""What the imitation of Telegram remembers: users, chats, messages with their edits, files,
pending callback queries and the update queue of the bot."""

from __future__ import annotations

import asyncio
import copy
import hashlib
import itertools
from dataclasses import dataclass, field
from typing import Any, Protocol

JSON = dict[str, Any]


class Relay(Protocol):
    """Carries a chat to another platform: what its user posts or presses there goes to
    `posted`/`pressed` instead of to the Telegram bot (a WeCom member in the web chat)."""

    def posted(self, chat: Chat, stored: StoredMessage) -> None: ...

    def pressed(self, chat: Chat, stored: StoredMessage, data: str) -> None: ...


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    data: bytes
    file_path: str
    file_name: str = ""
    mime_type: str = ""


@dataclass
class StoredMessage:
    """A message as Telegram holds it now, with every earlier version kept for tests."""

    chat_id: int
    message_id: int
    data: JSON
    from_bot: bool
    rev: int
    history: list[JSON] = field(default_factory=list)
    deleted: bool = False

    def view(self) -> JSON:
        """The current message JSON plus `edit_history`, `deleted` and `from_bot` for readers."""
        result = copy.deepcopy(self.data)
        result["edit_history"] = copy.deepcopy(self.history)
        result["deleted"] = self.deleted
        result["from_bot"] = self.from_bot
        result["rev"] = self.rev
        return result


@dataclass
class Chat:
    id: int
    type: str  # private, group, supergroup
    title: str = ""
    members: dict[int, str] = field(default_factory=dict)  # user id -> status
    bot_status: str = "member"  # member, administrator, left, kicked
    next_message_id: int = 1
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    menu_button: JSON | None = None
    keyboard: JSON | None = None  # the reply keyboard the bot last showed
    relay: Relay | None = None  # set: the Telegram bot never sees this chat

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup")


@dataclass
class CallbackRecord:
    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    created: float
    answered: bool = False
    answer: JSON | None = None


@dataclass
class Notice:
    """Something the web chat shows besides messages: a callback answer, a chat action."""

    rev: int
    chat_id: int
    kind: str
    data: JSON


class State:
    """All the mutable state, plus the condition long polls wait on."""

    def __init__(self) -> None:
        self.users: dict[int, JSON] = {}
        self.started: set[int] = set()  # users who have a private chat with the bot
        self.blocked: set[int] = set()
        self.chats: dict[int, Chat] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.photo_sets: dict[str, list[JSON]] = {}  # any size's file_id -> the whole ladder
        self.documents: dict[str, JSON] = {}  # file_id -> Document (also voice, sticker)
        self.callbacks: dict[str, CallbackRecord] = {}
        self.updates: list[JSON] = []
        self.next_update_id = 1
        self.allowed_updates: list[str] = []
        self.webhook_url = ""
        self.webhook_secret = ""
        self.poll_generation = 0
        self.default_menu_button: JSON = {"type": "default"}
        self.commands: dict[str, list[JSON]] = {}
        self.personas: dict[int, JSON] = {}  # chat id -> {"role", "user_id", "label"}
        self.notices: list[Notice] = []
        self.rev = 0
        self._ids = itertools.count(1)
        self.next_user_id = 7_000_000_001
        self.next_group_id = 1
        self._waiters: set[asyncio.Future[None]] = set()

    def bump(self) -> int:
        """A new revision: every change gets one, and wakes whoever waits for changes."""
        self.rev += 1
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()
        return self.rev

    def serial(self) -> int:
        return next(self._ids)

    def store_file(self, data: bytes, kind: str, file_name: str = "", mime_type: str = "") -> (
        StoredFile
    ):
        """Same bytes -> same file_unique_id (as on Telegram); every upload gets its own file_id."""
        digest = hashlib.sha256(data).hexdigest()
        unique = "AQAD" + digest[:16]
        serial = self.serial()
        file_id = f"{kind[:2].upper()}ACAgIAAx{serial:06d}{digest[:20]}"
        suffix = "".join(ch for ch in file_name.rsplit(".", 1)[-1] if ch.isalnum())[:8] \
            if "." in file_name else ""
        extension = {"photos": "jpg", "documents": suffix or "bin", "voice": "oga",
                     "stickers": "webp"}.get(kind, "bin")
        stored = StoredFile(file_id, unique, data, f"{kind}/file_{serial}.{extension}", file_name,
                            mime_type)
        self.files[file_id] = stored
        self.files_by_path[stored.file_path] = stored
        return stored

    def chat(self, chat_id: int) -> Chat | None:
        return self.chats.get(chat_id)

    async def wait_change(self, seconds: float) -> None:
        """Return at the next change, or after `seconds`."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.add(waiter)
        try:
            # Not wait_for(shield(...)): on Python 3.11 a cancellation arriving as the change
            # does is swallowed there, and a cancelled caller (a webhook delivery) runs on.
            await asyncio.wait({waiter}, timeout=seconds)
        finally:
            self._waiters.discard(waiter)
