"""Bot API methods that change or remove what is already in a chat, and callback answers."""

from __future__ import annotations

from sandbox.telegram.core import Core
from sandbox.telegram.errors import bad_request
from sandbox.telegram.markup import CAPTION_LIMIT, TEXT_LIMIT, render
from sandbox.telegram.send import Method
from sandbox.telegram.state import JSON, Notice, StoredMessage

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"


def _target(core: Core, params: JSON) -> StoredMessage:
    if "inline_message_id" in params or "chat_id" not in params or "message_id" not in params:
        raise bad_request("message to edit not found")
    chat = core.resolve_chat(params["chat_id"])
    stored = core.message(chat, params["message_id"])
    if stored is None:
        raise bad_request("message to edit not found")
    if not stored.from_bot:
        raise bad_request("message can't be edited")
    return stored


def _apply(core: Core, stored: StoredMessage, owned: tuple[str, ...], changes: JSON,
           params: JSON) -> JSON:
    """Replace the `owned` fields (an absent one is removed, so a missing reply_markup drops
    the keyboard, as on Telegram), unless nothing would change: Telegram refuses that."""
    changes = {**changes, **core.check_markup(params.get("reply_markup"))}
    owned = (*owned, "reply_markup")
    if {k: stored.data.get(k) for k in owned} == {k: changes.get(k) for k in owned}:
        raise bad_request(NOT_MODIFIED)
    removed = tuple(k for k in owned if k not in changes)
    core.edit(stored, changes, removed)
    return stored.data


def _formatted(params: JSON, source: str, entities_key: str, limit: int, what: str,
               required: bool) -> JSON:
    text, entities = render(params.get(source), params.get("parse_mode"),
                            params.get(entities_key), limit=limit, what=what, required=required)
    fields: JSON = {}
    if text:
        fields[source] = text
    if entities:
        fields[entities_key] = entities
    return fields


async def edit_message_text(core: Core, params: JSON) -> JSON:
    stored = _target(core, params)
    if "text" not in stored.data:
        raise bad_request("there is no text in the message to edit")
    if "text" not in params:
        raise bad_request("text must be non-empty")
    changes = _formatted(params, "text", "entities", TEXT_LIMIT, "text", True)
    return _apply(core, stored, ("text", "entities"), changes, params)


async def edit_message_caption(core: Core, params: JSON) -> JSON:
    stored = _target(core, params)
    if not any(k in stored.data for k in ("photo", "document", "voice")):
        raise bad_request("there is no caption in the message to edit")
    changes = _formatted(params, "caption", "caption_entities", CAPTION_LIMIT, "caption", False)
    return _apply(core, stored, ("caption", "caption_entities"), changes, params)


async def edit_message_reply_markup(core: Core, params: JSON) -> JSON:
    stored = _target(core, params)
    return _apply(core, stored, (), {}, params)


async def delete_message(core: Core, params: JSON) -> bool:
    chat = core.resolve_chat(params["chat_id"])
    stored = core.message(chat, params["message_id"])
    if stored is None:
        raise bad_request("message to delete not found")
    stored.deleted = True
    stored.rev = core.state.bump()
    return True


async def delete_messages(core: Core, params: JSON) -> bool:
    chat = core.resolve_chat(params["chat_id"])
    for message_id in params["message_ids"]:
        stored = core.message(chat, message_id)
        if stored is not None:
            stored.deleted = True
            stored.rev = core.state.bump()
    return True


async def answer_callback_query(core: Core, params: JSON) -> bool:
    record = core.state.callbacks.get(params["callback_query_id"])
    if (
        record is None
        or record.answered
        or core.clock() - record.created > core.callback_timeout
    ):
        raise bad_request(QUERY_TOO_OLD)
    text = params.get("text", "")
    if len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    record.answered = True
    record.answer = {k: params[k] for k in ("text", "show_alert", "url") if k in params}
    rev = core.state.bump()
    core.state.notices.append(Notice(rev, record.chat_id, "callback_answer", record.answer))
    return True


async def send_chat_action(core: Core, params: JSON) -> bool:
    chat = core.writable_chat(params["chat_id"])
    rev = core.state.bump()
    core.state.notices.append(Notice(rev, chat.id, "chat_action", {"action": params["action"]}))
    return True


METHODS: dict[str, Method] = {
    "editMessageText": edit_message_text,
    "editMessageCaption": edit_message_caption,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "deleteMessages": delete_messages,
    "answerCallbackQuery": answer_callback_query,
    "sendChatAction": send_chat_action,
}
