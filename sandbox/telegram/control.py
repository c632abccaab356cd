"""The control API under /sandbox/api: what tests, scripts and the web chat use to act as
users and to look inside the emulator. JSON in and out (photos as multipart); every answer is
{"ok": true, "result": ...} or {"ok": false, "error": ...}.

  GET  /state                      bot, users, chats, personas, current revision, timezone
  POST /users                      {first_name, language_code?, username?, user_id?, role?}
  POST /groups                     {title, member_ids: [...], supergroup?}
  POST /groups/{chat}/members      {user_id, action: join|leave|bot, status?}
  POST /chats/{chat}/send          {user_id, kind: text|location|live|contact|sticker, ...}
                                   (location, live: at, accuracy, heading optional)
  POST /chats/{chat}/photos        multipart: user_id, as_file (0/1), caption, photo files
  GET  /chats/{chat}/messages      ?since=REV: both sides, current content + edit_history
  GET  /events                     ?chat_id=&since=REV&wait=S: long poll for changes
  POST /press                      {user_id, chat_id, message_id, callback_data}
  POST /forward                    {user_id, from_chat_id, message_id, to_chat_id?}
  POST /block                      {user_id, blocked?}
  POST /updates                    any raw update: {"message": {...}}
  POST /faults, DELETE /faults     {kind: retry_after|server_error|timeout|disconnect|blocked,
                                    count?, method?, retry_after?, delay?, delivered?}
  GET  /refusals                   what the emulator refused (bugs in the bot)
  GET  /files/{file_id}            the stored bytes
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import BodyPartReader, web

from sandbox.telegram.emulator import BotApiEmulator
from sandbox.telegram.errors import ApiError
from sandbox.telegram.users import UnknownTarget

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ROLES = ("volunteer", "village_manager", "township_manager", "county_manager", "leader",
         "supervisor", "admin", "group", "other")


def _int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise web.HTTPBadRequest(text=f"{name} must be an integer") from exc


def add_control_routes(app: web.Application, emu: BotApiEmulator) -> None:
    """Register every /sandbox/api route for one emulator."""
    users = emu.users
    personas: dict[int, dict[str, Any]] = emu.state.personas

    def guarded(handler: Handler) -> Handler:
        async def wrapper(request: web.Request) -> web.StreamResponse:
            try:
                return await handler(request)
            except (UnknownTarget, ValueError, KeyError) as exc:
                return web.json_response({"ok": False, "error": str(exc)}, status=400)
            except ApiError as exc:  # what Telegram would tell the person (IMAGE_PROCESS_FAILED)
                return web.json_response({"ok": False, "error": exc.description},
                                         status=exc.status)
        return wrapper

    async def body(request: web.Request) -> dict[str, Any]:
        if not request.body_exists:
            return {}
        data = await request.json()
        if not isinstance(data, dict):
            raise web.HTTPBadRequest(text="expected a JSON object")
        return data

    def ok(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    async def state(request: web.Request) -> web.StreamResponse:
        chats = [
            {"id": c.id, "type": c.type, "title": c.title or users.user(c.id)["first_name"]
             if c.type == "private" else c.title, "members": list(c.members),
             "persona": personas.get(c.id)}
            for c in emu.state.chats.values()
        ]
        return ok({"bot": emu.bot_user, "users": list(emu.state.users.values()), "chats": chats,
                   "personas": [{"chat_id": k, **v} for k, v in personas.items()],
                   "rev": emu.state.rev, "roles": list(ROLES), "timezone": emu.timezone})

    async def create_user(request: web.Request) -> web.StreamResponse:
        data = await body(request)
        user = users.create_user(
            str(data.get("first_name") or "User"), last_name=data.get("last_name"),
            username=data.get("username"), language_code=data.get("language_code", "zh-hans"),
            user_id=data.get("user_id"))
        if data.get("role"):
            personas[user["id"]] = {"role": data["role"], "user_id": user["id"],
                                    "label": data.get("label") or user["first_name"]}
        if data.get("open_chat", True):
            users.private_chat(user["id"])
        return ok(user)

    async def create_group(request: web.Request) -> web.StreamResponse:
        data = await body(request)
        members = [_int(m, "member_ids") for m in data.get("member_ids", [])]
        if not members:
            raise web.HTTPBadRequest(text="a group needs at least one member")
        chat = users.create_group(str(data.get("title") or "Group"), members,
                                  supergroup=bool(data.get("supergroup", True)))
        personas[chat["id"]] = {"role": "group", "user_id": members[0],
                                "label": chat["title"]}
        return ok(chat)

    async def inject(request: web.Request) -> web.StreamResponse:
        return ok(emu.inject_update(await body(request)))

    async def messages(request: web.Request) -> web.StreamResponse:
        chat_id = _int(request.match_info["chat_id"], "chat_id")
        since = _int(request.query.get("since", 0), "since")
        return ok(emu.messages(chat_id, since_rev=since))

    async def events(request: web.Request) -> web.StreamResponse:
        """Long poll: messages and notices of a chat changed after `since` (waits up to `wait`)."""
        chat_id = _int(request.query["chat_id"], "chat_id")
        since = _int(request.query.get("since", 0), "since")
        wait = min(float(request.query.get("wait", 25)), 50.0)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while emu.state.rev <= since and loop.time() < deadline:
            await emu.state.wait_change(deadline - loop.time())
        chat = emu.state.chat(chat_id)
        return ok({
            "rev": emu.state.rev,
            "messages": emu.messages(chat_id, since_rev=since),
            "notices": [{"kind": n.kind, **n.data} for n in emu.state.notices
                        if n.chat_id == chat_id and n.rev > since],
            "keyboard": chat.keyboard if chat else None,
        })

    async def send(request: web.Request) -> web.StreamResponse:
        data = await body(request)
        chat_id = _int(request.match_info["chat_id"], "chat_id")
        user_id = _int(data["user_id"], "user_id")
        kind = data.get("kind", "text")
        if kind == "text":
            reply = data.get("reply_to")
            return ok(users.send_text(user_id, str(data["text"]), chat_id=chat_id,
                                      reply_to=_int(reply, "reply_to") if reply else None))
        if kind == "location":
            live = data.get("live_period")
            return ok(users.send_location(user_id, float(data["latitude"]),
                                          float(data["longitude"]), chat_id=chat_id,
                                          live_period=_int(live, "live_period") if live else None,
                                          **_fix(data)))
        if kind == "live":
            return ok(users.move_live_location(
                user_id, chat_id, _int(data["message_id"], "message_id"),
                float(data["latitude"]), float(data["longitude"]), stop=bool(data.get("stop")),
                **_fix(data)))
        if kind == "contact":
            user = users.user(user_id)
            return ok(users.send_contact(user_id, str(data.get("phone_number", "+8613800000000")),
                                         user["first_name"], chat_id=chat_id))
        if kind == "sticker":
            return ok(users.send_sticker(user_id, str(data.get("emoji", "👍")), chat_id=chat_id))
        raise web.HTTPBadRequest(text=f"unknown kind {kind!r}")

    async def photos(request: web.Request) -> web.StreamResponse:
        chat_id = _int(request.match_info["chat_id"], "chat_id")
        reader = await request.multipart()
        fields: dict[str, str] = {}
        pictures: list[bytes] = []
        names: list[str] = []
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            if part.filename is not None:
                pictures.append(bytes(await part.read()))
                names.append(part.filename)
            else:
                fields[part.name] = await part.text()
        if not pictures:
            raise web.HTTPBadRequest(text="no photos in the request")
        # Pillow runs on the loop: the emulator's state is not thread-safe, and it is a sandbox
        sent = users.send_photos(
            _int(fields.get("user_id"), "user_id"), pictures,
            as_file=fields.get("as_file") in ("1", "true"), caption=fields.get("caption") or None,
            chat_id=chat_id, file_names=names)
        return ok(sent)

    async def press(request: web.Request) -> web.StreamResponse:
        data = await body(request)
        return ok(users.press(_int(data["user_id"], "user_id"), _int(data["chat_id"], "chat_id"),
                              _int(data["message_id"], "message_id"), str(data["callback_data"])))

    async def forward(request: web.Request) -> web.StreamResponse:
        data = await body(request)
        to = data.get("to_chat_id")
        return ok(users.forward(_int(data["user_id"], "user_id"),
                                _int(data["from_chat_id"], "from_chat_id"),
                                _int(data["message_id"], "message_id"),
                                to_chat_id=_int(to, "to_chat_id") if to else None))

    async def block(request: web.Request) -> web.StreamResponse:
        data = await body(request)
        users.block_bot(_int(data["user_id"], "user_id"), bool(data.get("blocked", True)))
        return ok(True)

    async def membership(request: web.Request) -> web.StreamResponse:
        """A person joins or leaves a group, or someone changes the bot's own status."""
        data = await body(request)
        chat_id = _int(request.match_info["chat_id"], "chat_id")
        user_id = _int(data["user_id"], "user_id")
        action = data.get("action", "join")
        if action == "join":
            return ok(users.join(chat_id, user_id))
        if action == "leave":
            return ok(users.leave(chat_id, user_id))
        if action == "bot":
            users.set_bot_status(chat_id, str(data["status"]), user_id)
            return ok(True)
        raise web.HTTPBadRequest(text=f"unknown action {action!r}")

    async def add_fault(request: web.Request) -> web.StreamResponse:
        data = await body(request)
        fault = emu.faults.add(str(data["kind"]), count=int(data.get("count", 1)),
                               method=data.get("method"),
                               retry_after=int(data.get("retry_after", 5)),
                               delay=float(data.get("delay", 10.0)),
                               delivered=bool(data.get("delivered", False)))
        return ok({"kind": fault.kind, "remaining": fault.remaining, "method": fault.method})

    async def clear_faults(request: web.Request) -> web.StreamResponse:
        emu.faults.clear()
        return ok(True)

    async def refusals(request: web.Request) -> web.StreamResponse:
        return ok([{"method": r.method, "status": r.status, "description": r.description,
                    "params": r.params} for r in emu.refusals])

    async def file(request: web.Request) -> web.StreamResponse:
        stored = emu.state.files.get(request.match_info["file_id"])
        if stored is None:
            raise web.HTTPNotFound()
        return web.Response(body=stored.data,
                            content_type=stored.mime_type or "application/octet-stream")

    prefix = "/sandbox/api"
    routes: list[tuple[str, str, Handler]] = [
        ("GET", "/state", state),
        ("POST", "/users", create_user),
        ("POST", "/groups", create_group),
        ("POST", "/updates", inject),
        ("GET", "/chats/{chat_id}/messages", messages),
        ("POST", "/chats/{chat_id}/send", send),
        ("POST", "/chats/{chat_id}/photos", photos),
        ("GET", "/events", events),
        ("POST", "/press", press),
        ("POST", "/forward", forward),
        ("POST", "/block", block),
        ("POST", "/groups/{chat_id}/members", membership),
        ("POST", "/faults", add_fault),
        ("DELETE", "/faults", clear_faults),
        ("GET", "/refusals", refusals),
        ("GET", "/files/{file_id}", file),
    ]
    for verb, path, handler in routes:
        app.router.add_route(verb, prefix + path, guarded(handler))


def _fix(data: dict[str, Any]) -> dict[str, Any]:
    """A location's optional `at` (Unix seconds: a replayed track's own time), `accuracy` (m)
    and `heading` (degrees)."""
    fix: dict[str, Any] = {}
    if data.get("at") is not None:
        fix["at"] = _int(data["at"], "at")
    if data.get("accuracy") is not None:
        fix["accuracy"] = float(data["accuracy"])
    if data.get("heading") is not None:
        fix["heading"] = _int(data["heading"], "heading")
    return fix
