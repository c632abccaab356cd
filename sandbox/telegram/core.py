"""Shared machinery of the emulator: resolving chats, storing messages, queueing updates,
checking reply markups; used by the bot-side methods and by the simulated users alike."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sandbox.telegram.errors import ApiError, bad_request, forbidden
from sandbox.telegram.flood import FloodControl
from sandbox.telegram.state import JSON, Chat, State, StoredMessage

DEFAULT_ALLOWED = frozenset(
    {"message", "edited_message", "callback_query", "my_chat_member", "inline_query",
     "chosen_inline_result", "channel_post", "edited_channel_post", "poll", "poll_answer",
     "shipping_query", "pre_checkout_query", "chat_join_request", "chat_boost",
     "removed_chat_boost"}
)
CALLBACK_DATA_MAX_BYTES = 64
_BUTTON_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)


def valid_button_url(url: str) -> bool:
    """Telegram takes http(s) and tg links to real hosts: not localhost, not a bare word."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme == "tg":
        return bool(parts.netloc)
    host = parts.hostname or ""
    return parts.scheme in ("http", "https") and "." in host and not any(
        ch.isspace() for ch in url)


def member_json(user: JSON, status: str) -> JSON:
    """A ChatMember object of the given status with the fields the reference requires."""
    member: JSON = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(
            can_be_edited=False, is_anonymous=False, can_manage_chat=True,
            can_delete_messages=True, can_manage_video_chats=True, can_restrict_members=True,
            can_promote_members=False, can_change_info=True, can_invite_users=True,
            can_post_stories=False, can_edit_stories=False, can_delete_stories=False,
        )
    elif status == "kicked":
        member["until_date"] = 0
    return member


@dataclass
class Core:
    state: State
    bot_user: JSON
    flood: FloodControl
    clock: Callable[[], float]
    callback_timeout: float
    privacy_mode: bool

    @property
    def bot_sender(self) -> JSON:
        """The bot as `from` of its messages (getMe's capability fields are not part of it)."""
        return {k: self.bot_user[k] for k in ("id", "is_bot", "first_name", "username")}

    # ----- chats and users -----
    def chat_json(self, chat: Chat) -> JSON:
        if chat.type == "private":
            user = self.state.users[chat.id]
            result: JSON = {"id": chat.id, "type": "private", "first_name": user["first_name"]}
            for key in ("last_name", "username"):
                if key in user:
                    result[key] = user[key]
            return result
        return {"id": chat.id, "type": chat.type, "title": chat.title}

    def resolve_chat(self, chat_id: Any) -> Chat:
        """The chat a bot call names, or Telegram's refusal."""
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            name = chat_id[1:].lower()
            match = next((u for u in self.state.users.values()
                          if u.get("username", "").lower() == name), None)
            if match is None:
                raise bad_request("chat not found")
            chat_id = match["id"]
        if isinstance(chat_id, str):
            try:
                chat_id = int(chat_id)
            except ValueError as exc:
                raise bad_request("chat not found") from exc
        chat = self.state.chat(chat_id)
        if chat is None:
            if chat_id in self.state.users:
                raise forbidden("bot can't initiate conversation with a user")
            raise bad_request("chat not found")
        return chat

    def writable_chat(self, chat_id: Any) -> Chat:
        chat = self.resolve_chat(chat_id)
        if chat.type == "private":
            if chat.id in self.state.blocked:
                raise forbidden("bot was blocked by the user")
            if chat.id not in self.state.started:
                raise forbidden("bot can't initiate conversation with a user")
        elif chat.bot_status == "kicked":
            raise forbidden(f"bot was kicked from the {chat.type} chat")
        elif chat.bot_status == "left":
            raise forbidden(f"bot is not a member of the {chat.type} chat")
        return chat

    def check_flood(self, chat: Chat, cost: int = 1) -> None:
        retry_after = self.flood.take(chat.id, chat.is_group, cost)
        if retry_after is not None:
            raise ApiError(
                429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
            )

    # ----- messages -----
    def message(self, chat: Chat, message_id: Any) -> StoredMessage | None:
        if not isinstance(message_id, int):
            return None
        stored = chat.messages.get(message_id)
        return None if stored is None or stored.deleted else stored

    def new_message(self, chat: Chat, sender: JSON, fields: JSON, *, from_bot: bool) -> (
        StoredMessage
    ):
        message_id = chat.next_message_id
        chat.next_message_id += 1
        data: JSON = {
            "message_id": message_id,
            "from": sender,
            "chat": self.chat_json(chat),
            "date": int(time.time()),
            **fields,
        }
        stored = StoredMessage(chat.id, message_id, data, from_bot, self.state.bump())
        chat.messages[message_id] = stored
        return stored

    def edit(self, stored: StoredMessage, changes: JSON, removed: tuple[str, ...] = ()) -> None:
        stored.history.append(copy.deepcopy(stored.data))
        for key in removed:
            stored.data.pop(key, None)
        stored.data.update(changes)
        stored.data["edit_date"] = int(time.time())
        stored.rev = self.state.bump()

    def reply_to(self, chat: Chat, params: JSON) -> JSON:
        """`reply_to_message` for a reply_parameters argument (checked like Telegram does)."""
        reply = params.get("reply_parameters")
        if not reply:
            return {}
        target_chat = chat
        if "chat_id" in reply:
            target_chat = self.resolve_chat(reply["chat_id"])
        target = self.message(target_chat, reply["message_id"])
        if target is None:
            if reply.get("allow_sending_without_reply"):
                return {}
            raise bad_request("message to be replied not found")
        quoted = {k: v for k, v in target.data.items() if k != "reply_to_message"}
        return {"reply_to_message": copy.deepcopy(quoted)}

    # ----- markup -----
    def check_markup(self, markup: Any) -> JSON:
        """Message fields for a reply_markup (inline keyboards belong to the message), after
        refusing what Telegram refuses."""
        if not markup:
            return {}
        if "inline_keyboard" in markup:
            for row in markup["inline_keyboard"]:
                for button in row:
                    self._check_inline_button(button)
            return {"reply_markup": copy.deepcopy(markup)} if markup["inline_keyboard"] else {}
        for row in markup.get("keyboard", []):
            for button in row:
                text = button if isinstance(button, str) else button.get("text", "")
                if not text.strip():
                    raise bad_request("keyboard button text is empty")
        return {}

    @staticmethod
    def apply_keyboard(chat: Chat, markup: Any) -> None:
        """A reply keyboard (or its removal) changes what the chat's input area shows."""
        if markup and "keyboard" in markup:
            chat.keyboard = copy.deepcopy(markup)
        elif markup and markup.get("remove_keyboard"):
            chat.keyboard = None

    @staticmethod
    def _check_inline_button(button: JSON) -> None:
        actions = [key for key in _BUTTON_ACTIONS if key in button]
        if not actions:
            raise bad_request("text buttons are unallowed in the inline keyboard")
        if len(actions) > 1:
            raise bad_request("inline keyboard button must have exactly one optional field")
        if not button["text"]:
            raise bad_request("inline keyboard button text is empty")
        if "url" in button and not valid_button_url(button["url"]):
            raise bad_request(
                f"inline keyboard button URL '{button['url']}' is invalid: Wrong HTTP URL")
        if "callback_data" in button:
            size = len(button["callback_data"].encode("utf-8"))
            if not 1 <= size <= CALLBACK_DATA_MAX_BYTES:
                raise bad_request("BUTTON_DATA_INVALID")

    # ----- updates -----
    def push_update(self, kind: str, payload: JSON) -> int | None:
        """Queue an update for the bot unless its getUpdates asked not to receive the kind."""
        allowed = set(self.state.allowed_updates) or DEFAULT_ALLOWED
        if kind not in allowed:
            return None
        update_id = self.state.next_update_id
        self.state.next_update_id += 1
        self.state.updates.append({"update_id": update_id, kind: copy.deepcopy(payload)})
        self.state.bump()
        return update_id

    def bot_sees(self, chat: Chat, data: JSON) -> bool:
        """Privacy mode: in groups a bot sees commands, replies to itself and mentions only."""
        if not chat.is_group or not self.privacy_mode:
            return True
        text = data.get("text") or data.get("caption") or ""
        reply = data.get("reply_to_message") or {}
        return (
            text.startswith("/")
            or f"@{self.bot_user['username']}".lower() in text.lower()
            or reply.get("from", {}).get("id") == self.bot_user["id"]
            or not any(k in data for k in ("text", "caption", "photo", "document", "location",
                                           "contact", "sticker", "voice"))
        )
