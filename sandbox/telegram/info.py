"""Bot API methods about the bot itself, its updates, files, commands and chats."""

from __future__ import annotations

import copy
import json
import re
import time

from sandbox.telegram.core import Core, member_json
from sandbox.telegram.errors import ApiError, bad_request
from sandbox.telegram.send import Method
from sandbox.telegram.state import JSON

GET_FILE_MAX_BYTES = 20 * 1024 * 1024  # what a bot may download through getFile
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
CONFLICT_POLL = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)


async def get_me(core: Core, params: JSON) -> JSON:
    return copy.deepcopy(core.bot_user)


async def get_updates(core: Core, params: JSON) -> list[JSON]:
    state = core.state
    if state.webhook_url:
        raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                            "use deleteWebhook to delete the webhook first")
    if "allowed_updates" in params:
        state.allowed_updates = list(params["allowed_updates"])
    offset = params.get("offset")
    if isinstance(offset, int) and offset > 0:
        state.updates = [u for u in state.updates if u["update_id"] >= offset]
    elif isinstance(offset, int) and offset < 0:
        state.updates = state.updates[offset:]
    limit = max(1, min(100, params.get("limit", 100)))
    timeout = max(0, min(50, params.get("timeout", 0)))
    state.poll_generation += 1
    generation = state.poll_generation
    deadline = time.monotonic() + timeout  # real time: a fake clock must not stall polls
    while not state.updates and timeout:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        await state.wait_change(remaining)
        if state.poll_generation != generation:
            raise ApiError(409, CONFLICT_POLL)
    return copy.deepcopy(state.updates[:limit])


async def get_file(core: Core, params: JSON) -> JSON:
    stored = core.state.files.get(params["file_id"])
    if stored is None:
        raise bad_request("invalid file_id")
    if len(stored.data) > GET_FILE_MAX_BYTES:
        raise bad_request("file is too big")
    return {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data), "file_path": stored.file_path}


def _commands_key(params: JSON) -> str:
    scope = params.get("scope") or {"type": "default"}
    return json.dumps([scope, params.get("language_code", "")], sort_keys=True)


async def set_my_commands(core: Core, params: JSON) -> bool:
    commands = params["commands"]
    if len(commands) > 100:
        raise bad_request("too many commands")
    for command in commands:
        if not _COMMAND.match(command["command"]):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(command["description"]) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    core.state.commands[_commands_key(params)] = copy.deepcopy(commands)
    return True


async def get_my_commands(core: Core, params: JSON) -> list[JSON]:
    return copy.deepcopy(core.state.commands.get(_commands_key(params), []))


async def delete_my_commands(core: Core, params: JSON) -> bool:
    core.state.commands.pop(_commands_key(params), None)
    return True


async def set_webhook(core: Core, params: JSON) -> bool:
    url = params["url"]
    if url and not url.startswith("https://"):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    core.state.webhook_url = url
    core.state.webhook_secret = params.get("secret_token") or ""  # sent back by webhook.py
    if "allowed_updates" in params:
        core.state.allowed_updates = list(params["allowed_updates"])
    return True


async def delete_webhook(core: Core, params: JSON) -> bool:
    core.state.webhook_url = ""
    if params.get("drop_pending_updates"):
        core.state.updates.clear()
    return True


async def get_webhook_info(core: Core, params: JSON) -> JSON:
    return {"url": core.state.webhook_url, "has_custom_certificate": False,
            "pending_update_count": len(core.state.updates)}


async def get_chat(core: Core, params: JSON) -> JSON:
    chat = core.resolve_chat(params["chat_id"])
    info = core.chat_json(chat)
    info.update(
        accent_color_id=0,
        max_reaction_count=11,
        accepted_gift_types={"unlimited_gifts": False, "limited_gifts": False,
                             "unique_gifts": False, "premium_subscription": False,
                             "gifts_from_channels": False},
    )
    return info


async def get_chat_member(core: Core, params: JSON) -> JSON:
    chat = core.resolve_chat(params["chat_id"])
    user_id = params["user_id"]
    if user_id == core.bot_user["id"]:
        return member_json(core.bot_sender, chat.bot_status)
    user = core.state.users.get(user_id)
    if user is None:
        raise bad_request("PARTICIPANT_ID_INVALID")
    if chat.type == "private":
        status = "member" if chat.id == user_id else "left"
    else:
        status = chat.members.get(user_id, "left")
    return member_json(user, status)


async def leave_chat(core: Core, params: JSON) -> bool:
    chat = core.resolve_chat(params["chat_id"])
    if chat.type == "private":
        raise bad_request("chat member status can't be changed in private chats")
    old = chat.bot_status
    chat.bot_status = "left"
    core.push_update("my_chat_member", {
        "chat": core.chat_json(chat), "from": core.bot_sender, "date": int(time.time()),
        "old_chat_member": member_json(core.bot_sender, old),
        "new_chat_member": member_json(core.bot_sender, "left"),
    })
    return True


async def set_chat_menu_button(core: Core, params: JSON) -> bool:
    button = params.get("menu_button") or {"type": "default"}
    if "chat_id" in params:
        core.resolve_chat(params["chat_id"]).menu_button = copy.deepcopy(button)
    else:
        core.state.default_menu_button = copy.deepcopy(button)
    return True


async def get_chat_menu_button(core: Core, params: JSON) -> JSON:
    if "chat_id" in params:
        button = core.resolve_chat(params["chat_id"]).menu_button
        if button is not None:
            return copy.deepcopy(button)
    return copy.deepcopy(core.state.default_menu_button)


async def accept(core: Core, params: JSON) -> bool:
    """Methods whose effect nobody in the sandbox can observe (descriptions, close, logOut)."""
    return True


METHODS: dict[str, Method] = {
    "getMe": get_me,
    "getUpdates": get_updates,
    "getFile": get_file,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
    "getChat": get_chat,
    "getChatMember": get_chat_member,
    "leaveChat": leave_chat,
    "setChatMenuButton": set_chat_menu_button,
    "getChatMenuButton": get_chat_menu_button,
    "setMyDescription": accept,
    "setMyShortDescription": accept,
    "setMyName": accept,
    "close": accept,
    "logOut": accept,
}
