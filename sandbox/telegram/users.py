"""The people on the other side: what simulated users and groups do, turned into updates."""

from __future__ import annotations

import copy
import secrets
import time
from typing import Any

from sandbox.telegram.core import Core, member_json
from sandbox.telegram.markup import auto_entities
from sandbox.telegram.send import document_json, photo_sizes
from sandbox.telegram.spec import Upload
from sandbox.telegram.state import JSON, CallbackRecord, Chat, StoredMessage


class UnknownTarget(LookupError):
    """The simulated action names a user, chat, message or button that does not exist."""


class Users:
    """User-side actions; each returns what the user's client would show for it."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.state = core.state

    # ----- people and chats -----
    def create_user(self, first_name: str, *, last_name: str | None = None,
                    username: str | None = None, language_code: str | None = "zh-hans",
                    user_id: int | None = None) -> JSON:
        if user_id is None:
            user_id = self.state.next_user_id
            self.state.next_user_id += 1
        user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self.state.users[user_id] = user
        self.state.bump()
        return copy.deepcopy(user)

    def user(self, user_id: int) -> JSON:
        user = self.state.users.get(user_id)
        if user is None:
            raise UnknownTarget(f"no user {user_id}")
        return user

    def private_chat(self, user_id: int) -> Chat:
        """The user's chat with the bot; opening it is what /start does on Telegram."""
        self.user(user_id)
        chat = self.state.chats.get(user_id)
        if chat is None:
            chat = Chat(id=user_id, type="private", members={user_id: "member"})
            self.state.chats[user_id] = chat
        self.state.started.add(user_id)
        return chat

    def create_group(self, title: str, member_ids: list[int], *, supergroup: bool = True,
                     added_by: int | None = None) -> JSON:
        """A group with the bot in it (a my_chat_member update tells the bot it was added)."""
        self.state.next_group_id += 1
        serial = self.state.next_group_id
        chat_id = -(1_000_000_000_000 + serial) if supergroup else -(4_000_000 + serial)
        chat = Chat(id=chat_id, type="supergroup" if supergroup else "group", title=title)
        for index, user_id in enumerate(member_ids):
            self.user(user_id)
            chat.members[user_id] = "creator" if index == 0 else "member"
        self.state.chats[chat_id] = chat
        adder = self.user(added_by if added_by is not None else member_ids[0])
        self._bot_status(chat, "member", adder, old="left")
        return self.core.chat_json(chat)

    def _bot_status(self, chat: Chat, status: str, actor: JSON, old: str | None = None) -> None:
        previous = old or chat.bot_status
        chat.bot_status = status
        self.core.push_update("my_chat_member", {
            "chat": self.core.chat_json(chat), "from": actor, "date": int(time.time()),
            "old_chat_member": member_json(self.core.bot_sender, previous),
            "new_chat_member": member_json(self.core.bot_sender, status),
        })

    def set_bot_status(self, chat_id: int, status: str, by_user: int) -> None:
        """Promote, demote, remove or re-add the bot in a group (my_chat_member update)."""
        chat = self._chat(chat_id)
        self._bot_status(chat, status, self.user(by_user))

    def block_bot(self, user_id: int, blocked: bool = True) -> None:
        """The user blocks (or unblocks) the bot: sends get 403 and the bot hears of it."""
        chat = self.private_chat(user_id)
        if blocked:
            self.state.blocked.add(user_id)
        else:
            self.state.blocked.discard(user_id)
        self._bot_status(chat, "kicked" if blocked else "member", self.user(user_id),
                         old="member" if blocked else "kicked")

    def join(self, chat_id: int, user_id: int) -> JSON:
        chat = self._chat(chat_id)
        user = self.user(user_id)
        chat.members[user_id] = "member"
        return self._post(chat, user, {"new_chat_members": [user]})

    def leave(self, chat_id: int, user_id: int) -> JSON:
        chat = self._chat(chat_id)
        user = self.user(user_id)
        chat.members[user_id] = "left"
        return self._post(chat, user, {"left_chat_member": user})

    def _chat(self, chat_id: int) -> Chat:
        chat = self.state.chats.get(chat_id)
        if chat is None:
            raise UnknownTarget(f"no chat {chat_id}")
        return chat

    def _where(self, user_id: int, chat_id: int | None) -> Chat:
        if chat_id is None or chat_id == user_id:
            return self.private_chat(user_id)
        chat = self._chat(chat_id)
        if chat.members.get(user_id) in (None, "left", "kicked"):
            raise UnknownTarget(f"user {user_id} is not in chat {chat_id}")
        return chat

    # ----- messages -----
    def _post(self, chat: Chat, user: JSON, fields: JSON, *, update: str = "message") -> JSON:
        if chat.keyboard and chat.keyboard.get("one_time_keyboard"):
            chat.keyboard = None  # a one-time keyboard folds away once the user answers
        stored = self.core.new_message(chat, user, fields, from_bot=False)
        if chat.relay is not None:
            chat.relay.posted(chat, stored)
        elif self.core.bot_sees(chat, stored.data):
            self.core.push_update(update, stored.data)
        return stored.view()

    def _reply_fields(self, chat: Chat, reply_to: int | None) -> JSON:
        if reply_to is None:
            return {}
        target = self.core.message(chat, reply_to)
        if target is None:
            raise UnknownTarget(f"no message {reply_to} in chat {chat.id}")
        return {"reply_to_message": {k: v for k, v in target.data.items()
                                     if k != "reply_to_message"}}

    def send_text(self, user_id: int, text: str, *, chat_id: int | None = None,
                  reply_to: int | None = None) -> JSON:
        chat = self._where(user_id, chat_id)
        fields: JSON = {"text": text, **self._reply_fields(chat, reply_to)}
        entities = auto_entities(text, [])
        if entities:
            fields["entities"] = entities
        return self._post(chat, self.user(user_id), fields)

    def send_photos(self, user_id: int, photos: list[bytes], *, as_file: bool = False,
                    caption: str | None = None, chat_id: int | None = None,
                    file_names: list[str] | None = None) -> list[JSON]:
        """One photo, or an album (separate updates sharing a media_group_id)."""
        chat = self._where(user_id, chat_id)
        user = self.user(user_id)
        group = {"media_group_id": str(13_000_000_000 + self.state.serial())} \
            if len(photos) > 1 else {}
        sent = []
        for index, data in enumerate(photos):
            fields: JSON = dict(group)
            if as_file:
                name = (file_names or [])[index] if file_names and index < len(file_names) \
                    else f"IMG_{index + 1:04d}.jpg"
                fields["document"] = document_json(self.core, Upload(data, name, "image/jpeg"))
            else:
                fields["photo"] = photo_sizes(self.core, data)
            if caption and index == 0:
                fields["caption"] = caption
            sent.append(self._post(chat, user, fields))
        return sent

    def send_document(self, user_id: int, data: bytes, file_name: str, mime_type: str, *,
                      caption: str | None = None, chat_id: int | None = None) -> JSON:
        chat = self._where(user_id, chat_id)
        fields: JSON = {"document": document_json(self.core, Upload(data, file_name, mime_type))}
        if caption:
            fields["caption"] = caption
        return self._post(chat, self.user(user_id), fields)

    def send_location(self, user_id: int, latitude: float, longitude: float, *,
                      live_period: int | None = None, chat_id: int | None = None,
                      accuracy: float | None = None, heading: int | None = None,
                      at: int | None = None) -> JSON:
        """A location, live for `live_period` seconds when given; `at` the message's date (a
        replayed track's own time), else now."""
        chat = self._where(user_id, chat_id)
        location: JSON = {"latitude": latitude, "longitude": longitude,
                          **_precision(accuracy, heading)}
        if live_period:
            location["live_period"] = live_period
        fields: JSON = {"location": location}
        if at is not None:
            fields["date"] = at
        return self._post(chat, self.user(user_id), fields)

    def move_live_location(self, user_id: int, chat_id: int, message_id: int,
                           latitude: float, longitude: float, *, stop: bool = False,
                           accuracy: float | None = None, heading: int | None = None,
                           at: int | None = None) -> JSON:
        """A live location moves (or stops) by editing its message: an edited_message update;
        `at` its edit_date (a replayed track's own time), else now."""
        chat = self._chat(chat_id)
        stored = self._own(chat, message_id, user_id)
        location = dict(stored.data.get("location") or {})
        if "live_period" not in location:
            raise UnknownTarget(f"message {message_id} is not a live location")
        for key in ("horizontal_accuracy", "heading"):
            location.pop(key, None)
        location.update(latitude=latitude, longitude=longitude, **_precision(accuracy, heading))
        if stop:
            location["live_period"] = 0
        self.core.edit(stored, {"location": location})
        if at is not None:
            stored.data["edit_date"] = at
        if self.core.bot_sees(chat, stored.data):
            self.core.push_update("edited_message", stored.data)
        return stored.view()

    def edit_text(self, user_id: int, chat_id: int, message_id: int, text: str) -> JSON:
        chat = self._chat(chat_id)
        stored = self._own(chat, message_id, user_id)
        self.core.edit(stored, {"text": text})
        self.core.push_update("edited_message", stored.data)
        return stored.view()

    def _own(self, chat: Chat, message_id: int, user_id: int) -> StoredMessage:
        stored = self.core.message(chat, message_id)
        if stored is None or stored.data.get("from", {}).get("id") != user_id:
            raise UnknownTarget(f"user {user_id} has no message {message_id} in chat {chat.id}")
        return stored

    def send_contact(self, user_id: int, phone_number: str, first_name: str, *,
                     chat_id: int | None = None, own: bool = True) -> JSON:
        chat = self._where(user_id, chat_id)
        contact: JSON = {"phone_number": phone_number, "first_name": first_name}
        if own:
            contact["user_id"] = user_id
        return self._post(chat, self.user(user_id), {"contact": contact})

    def send_sticker(self, user_id: int, emoji: str = "👍", *, chat_id: int | None = None) -> (
        JSON
    ):
        chat = self._where(user_id, chat_id)
        stored = self.state.store_file(emoji.encode(), "stickers", mime_type="image/webp")
        sticker = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                   "type": "regular", "width": 512, "height": 512, "is_animated": False,
                   "is_video": False, "emoji": emoji}
        return self._post(chat, self.user(user_id), {"sticker": sticker})

    def send_voice(self, user_id: int, data: bytes, duration: int, *,
                   chat_id: int | None = None) -> JSON:
        chat = self._where(user_id, chat_id)
        stored = self.state.store_file(data, "voice", mime_type="audio/ogg")
        voice = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                 "duration": duration, "mime_type": "audio/ogg", "file_size": len(data)}
        return self._post(chat, self.user(user_id), {"voice": voice})

    def forward(self, user_id: int, from_chat_id: int, message_id: int, *,
                to_chat_id: int | None = None) -> JSON:
        """The user forwards a message (e.g. one the bot sent elsewhere) into a chat."""
        source = self._chat(from_chat_id)
        original = self.core.message(source, message_id)
        if original is None:
            raise UnknownTarget(f"no message {message_id} in chat {from_chat_id}")
        chat = self._where(user_id, to_chat_id)
        content = {k: copy.deepcopy(v) for k, v in original.data.items() if k in (
            "text", "entities", "photo", "document", "caption", "caption_entities", "location",
            "contact", "sticker", "voice")}
        origin: JSON = {"type": "user", "date": original.data["date"],
                        "sender_user": original.data["from"]}
        return self._post(chat, self.user(user_id), {**content, "forward_origin": origin})

    def press(self, user_id: int, chat_id: int, message_id: int, callback_data: str) -> str:
        """The user taps an inline button; returns the callback query id."""
        chat = self._chat(chat_id)
        stored = self.core.message(chat, message_id)
        if stored is None:
            raise UnknownTarget(f"no message {message_id} in chat {chat_id}")
        query_id = str(secrets.randbits(60))
        self.state.callbacks[query_id] = CallbackRecord(
            query_id, user_id, chat_id, message_id, callback_data, self.core.clock())
        if chat.relay is not None:
            self.state.callbacks[query_id].answered = True  # the other platform has no answer
            chat.relay.pressed(chat, stored, callback_data)
            return query_id
        query: JSON = {"id": query_id, "from": self.user(user_id),
                       "chat_instance": str(abs(chat_id) * 7 + 3), "message": stored.data,
                       "data": callback_data}
        self.core.push_update("callback_query", query)
        return query_id

    def button_data(self, chat_id: int, message_id: int, text: str) -> str | None:
        """The callback_data of the inline button labelled `text` on a message, if any."""
        stored = self.core.message(self._chat(chat_id), message_id)
        markup: Any = (stored.data.get("reply_markup") if stored else None) or {}
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if button.get("text") == text and "callback_data" in button:
                    return str(button["callback_data"])
        return None


def _precision(accuracy: float | None, heading: int | None) -> JSON:
    """A location's horizontal_accuracy (metres, 0-1500) and heading (1-360), when known."""
    extra: JSON = {}
    if accuracy is not None:
        extra["horizontal_accuracy"] = accuracy
    if heading is not None:
        extra["heading"] = heading
    return extra
