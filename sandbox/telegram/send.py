"""Bot API methods that put a new message into a chat."""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

from sandbox.telegram.core import Core
from sandbox.telegram.errors import bad_request
from sandbox.telegram.markup import CAPTION_LIMIT, TEXT_LIMIT, render
from sandbox.telegram.photos import NotAnImage, photo_ladder
from sandbox.telegram.spec import Upload
from sandbox.telegram.state import JSON, Chat, StoredMessage

PHOTO_MAX_BYTES = 10 * 1024 * 1024  # sendPhoto's limit; bigger pictures go as documents
Method = Callable[[Core, JSON], Awaitable[Any]]


def photo_sizes(core: Core, data: bytes) -> list[JSON]:
    """Store a photo the way Telegram does (a ladder of recompressed sizes) -> PhotoSize list."""
    try:
        ladder = photo_ladder(data)
    except NotAnImage as exc:
        raise bad_request("IMAGE_PROCESS_FAILED") from exc
    sizes: list[JSON] = []
    for width, height, jpeg in ladder:
        stored = core.state.store_file(jpeg, "photos", mime_type="image/jpeg")
        sizes.append({"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                      "width": width, "height": height, "file_size": len(jpeg)})
    for size in sizes:
        core.state.photo_sets[str(size["file_id"])] = sizes
    return sizes


def document_json(core: Core, upload: Upload) -> JSON:
    stored = core.state.store_file(upload.data, "documents", upload.file_name, upload.mime_type)
    document: JSON = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                      "file_size": len(upload.data)}
    if upload.file_name:
        document["file_name"] = upload.file_name
    if upload.mime_type:
        document["mime_type"] = upload.mime_type
    core.state.documents[stored.file_id] = document
    return document


def _photo_field(core: Core, value: Any) -> list[JSON]:
    if isinstance(value, Upload):
        if len(value.data) > PHOTO_MAX_BYTES:
            raise bad_request("file is too big")
        sizes = photo_sizes(core, value.data)
        width, height = sizes[-1]["width"], sizes[-1]["height"]
        if max(width, height) > 20 * min(width, height):
            raise bad_request("PHOTO_INVALID_DIMENSIONS")
        return sizes
    known = core.state.photo_sets.get(value)
    if known is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    return copy.deepcopy(known)


def _document_field(core: Core, value: Any) -> JSON:
    if isinstance(value, Upload):
        return document_json(core, value)
    document = core.state.documents.get(value)
    if document is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    return copy.deepcopy(document)


def _caption(params: JSON) -> JSON:
    text, entities = render(params.get("caption"), params.get("parse_mode"),
                            params.get("caption_entities"), limit=CAPTION_LIMIT,
                            what="caption", required=False)
    fields: JSON = {}
    if text:
        fields["caption"] = text
    if entities:
        fields["caption_entities"] = entities
    return fields


def _send(core: Core, params: JSON, content: JSON, cost: int = 1) -> StoredMessage:
    chat = core.writable_chat(params["chat_id"])
    markup = params.get("reply_markup")
    fields = {**core.reply_to(chat, params), **content, **core.check_markup(markup)}
    core.check_flood(chat, cost)
    core.apply_keyboard(chat, markup)
    return core.new_message(chat, core.bot_sender, fields, from_bot=True)


async def send_message(core: Core, params: JSON) -> JSON:
    text, entities = render(params["text"], params.get("parse_mode"), params.get("entities"),
                            limit=TEXT_LIMIT, what="text", required=True)
    content: JSON = {"text": text}
    if entities:
        content["entities"] = entities
    return _send(core, params, content).data


async def send_photo(core: Core, params: JSON) -> JSON:
    content = _caption(params)
    content["photo"] = _photo_field(core, params["photo"])
    return _send(core, params, content).data


async def send_document(core: Core, params: JSON) -> JSON:
    content = _caption(params)
    content["document"] = _document_field(core, params["document"])
    return _send(core, params, content).data


async def send_location(core: Core, params: JSON) -> JSON:
    lat, lon = params["latitude"], params["longitude"]
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise bad_request("wrong latitude or longitude")
    location: JSON = {"latitude": float(lat), "longitude": float(lon)}
    if "live_period" in params:
        location["live_period"] = params["live_period"]
    return _send(core, params, {"location": location}).data


async def send_contact(core: Core, params: JSON) -> JSON:
    contact = {k: params[k] for k in ("phone_number", "first_name", "last_name") if k in params}
    return _send(core, params, {"contact": contact}).data


async def send_media_group(core: Core, params: JSON) -> list[JSON]:
    media: list[JSON] = params["media"]
    if not 2 <= len(media) <= 10:
        raise bad_request("media must include 2-10 items")
    chat = core.writable_chat(params["chat_id"])
    uploads: dict[str, Upload] = params.get("_files", {})
    contents: list[JSON] = []
    for item in media:
        value: Any = item["media"]
        if isinstance(value, str) and value.startswith("attach://"):
            value = uploads.get(value[len("attach://") :])
            if value is None:
                raise bad_request("file for media is missing in the request")
        content = _caption(item)
        if item["type"] == "photo":
            content["photo"] = _photo_field(core, value)
        elif item["type"] == "document":
            content["document"] = _document_field(core, value)
        else:
            raise bad_request(f"media type {item['type']!r} is not supported by the sandbox")
        contents.append(content)
    reply = core.reply_to(chat, params)
    core.check_flood(chat, 1)
    group_id = str(int(hashlib.sha256(repr(contents).encode()).hexdigest()[:12], 16))
    return [
        core.new_message(chat, core.bot_sender, {**reply, **c, "media_group_id": group_id},
                         from_bot=True).data
        for c in contents
    ]


def _content_of(core: Core, params: JSON, verb: str) -> tuple[Chat, JSON]:
    source = core.resolve_chat(params["from_chat_id"])
    stored = core.message(source, params["message_id"])
    if stored is None:
        raise bad_request(f"message to {verb} not found")
    content = {k: copy.deepcopy(v) for k, v in stored.data.items() if k in (
        "text", "entities", "photo", "document", "caption", "caption_entities", "location",
        "contact", "sticker", "voice")}
    return source, content


async def forward_message(core: Core, params: JSON) -> JSON:
    source, content = _content_of(core, params, "forward")
    original = core.message(source, params["message_id"])
    assert original is not None
    origin: JSON = {"type": "user", "date": original.data["date"],
                    "sender_user": original.data["from"]}
    if source.is_group:
        origin = {"type": "chat", "date": original.data["date"],
                  "sender_chat": core.chat_json(source)}
    return _send(core, {"chat_id": params["chat_id"]}, {**content, "forward_origin": origin}).data


async def copy_message(core: Core, params: JSON) -> JSON:
    _, content = _content_of(core, params, "copy")
    if "caption" in params or "parse_mode" in params:
        content.pop("caption", None)
        content.pop("caption_entities", None)
        content.update(_caption(params))
    sent = _send(core, params, content)
    return {"message_id": sent.message_id}


METHODS: dict[str, Method] = {
    "sendMessage": send_message,
    "sendPhoto": send_photo,
    "sendDocument": send_document,
    "sendLocation": send_location,
    "sendContact": send_contact,
    "sendMediaGroup": send_media_group,
    "forwardMessage": forward_message,
    "copyMessage": copy_message,
}
