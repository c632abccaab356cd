"""WeCom's server API as a stand-in (shared/wecom/REFERENCE.md, api.json): what a naive client
gets wrong is what it checks. Tokens expire (and an expired one is answered 40014, as WeCom
often does), text is cut at 2048 UTF-8 bytes without a word, a member past 30 messages a minute
gets "ok" and nothing, cards are held to their rules (buttons, key bytes, a task_id never used
before), a response_code updates a card once, and media expire with their ids."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web

from sandbox.wecom.faults import ERRCODES, FAULTS, Fault

TEXT_BYTES = 2048
ROBOT_PER_MINUTE = 20
PER_MEMBER_PER_MINUTE = 30  # past it WeCom says ok and drops the message
TOKEN_SECONDS = 7200
TASK_ID_CHARS = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-@")


@dataclass
class Delivered:
    """A message a member received (or, `dropped`, WeCom said ok and did not deliver)."""

    user: str
    msgtype: str
    body: dict[str, Any]
    msgid: str
    dropped: bool = False
    response_code: str | None = None


@dataclass
class WeComState:
    corp_id: str
    secret: str
    agent_id: int
    members: set[str] = field(default_factory=set)
    token_seconds: float = TOKEN_SECONDS
    clock: Callable[[], float] = time.monotonic
    tokens: dict[str, float] = field(default_factory=dict)  # token -> expires at
    tokens_issued: int = 0
    messages: list[Delivered] = field(default_factory=list)
    media: dict[str, tuple[bytes, str, str]] = field(default_factory=dict)  # id -> data, mime, name
    task_ids: set[str] = field(default_factory=set)
    response_codes: dict[str, tuple[str, bool]] = field(default_factory=dict)  # -> user, used
    code_cards: dict[str, Delivered] = field(default_factory=dict)  # code -> the card pressed
    card_updates: list[dict[str, Any]] = field(default_factory=list)
    sent_at: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    errors: list[tuple[str, int]] = field(default_factory=list)  # (path, errcode) answered
    robots: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # key -> posted
    robot_posts: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    faults: list[Fault] = field(default_factory=list)
    faults_fired: list[tuple[str, str]] = field(default_factory=list)  # (path, kind)
    # Told of each message delivered (False) and of each card updated (True): the web chat.
    watchers: list[Callable[[Delivered, bool], None]] = field(default_factory=list)

    def _tell(self, message: Delivered, updated: bool) -> None:
        for watcher in self.watchers:
            watcher(message, updated)

    def inbox(self, user: str) -> list[Delivered]:
        return [m for m in self.messages if m.user == user.lower() and not m.dropped]

    def clicked(self, card: Delivered) -> str:
        """A member pressed a button of `card`: the fresh response code WeCom puts in the
        event, good for one update of that card."""
        code = secrets.token_hex(16)
        self.response_codes[code] = (card.user, False)
        self.code_cards[code] = card
        return code

    def add_fault(self, kind: str, **how: Any) -> Fault:
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}; one of {', '.join(FAULTS)}")
        fault = Fault(kind, **how)
        self.faults.append(fault)
        return fault

    def take_fault(self, path: str, users: list[str]) -> Fault | None:
        for fault in self.faults:
            if fault.matches(path, users):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self.faults.remove(fault)
                self.faults_fired.append((path, fault.kind))
                return fault
        return None

    def expire_tokens(self) -> None:
        """Every token issued so far stops working now (WeCom may end one early)."""
        for token in self.tokens:
            self.tokens[token] = 0.0


def _error(state: WeComState, path: str, code: int, message: str) -> web.Response:
    state.errors.append((path, code))
    hint = secrets.token_hex(8)
    return web.json_response({"errcode": code, "errmsg": f"{message}, hint: [{hint}], from ip: "
                              f"127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/"
                              f"query?e={code}"})


def add_api_routes(app: web.Application, state: WeComState) -> None:
    """WeCom's /cgi-bin endpoints on `app`."""

    def authorised(request: web.Request, path: str) -> web.Response | None:
        token = request.query.get("access_token", "")
        if not token:
            return _error(state, path, 41001, "access_token missing")
        expires = state.tokens.get(token)
        if expires is None:
            return _error(state, path, 40014, "invalid access_token")
        if state.clock() >= expires:
            return _error(state, path, 40014, "invalid access_token")  # WeCom's usual answer
        return None

    async def gettoken(request: web.Request) -> web.StreamResponse:
        if request.query.get("corpid") != state.corp_id:
            return _error(state, "gettoken", 40013, "invalid corpid")
        if request.query.get("corpsecret") != state.secret:
            return _error(state, "gettoken", 40001, "invalid credential")
        token = secrets.token_urlsafe(48)
        state.tokens[token] = state.clock() + state.token_seconds
        state.tokens_issued += 1
        return web.json_response({"errcode": 0, "errmsg": "ok", "access_token": token,
                                  "expires_in": int(state.token_seconds)})

    async def send(request: web.Request) -> web.StreamResponse:
        refused = authorised(request, "message/send")
        if refused is not None:
            return refused
        body: dict[str, Any] = await request.json()
        if body.get("agentid") != state.agent_id:
            return _error(state, "message/send", 40056, "invalid agentid")
        msgtype = str(body.get("msgtype", ""))
        payload = body.get(msgtype)
        if msgtype not in ("text", "markdown", "image", "file", "template_card") or \
                not isinstance(payload, dict):
            return _error(state, "message/send", 40008, "invalid message type")
        problem = _check_payload(state, msgtype, payload)
        if problem is not None:
            return _error(state, "message/send", *problem)
        users = [u.lower() for u in str(body.get("touser", "")).split("|") if u]
        invalid = [u for u in users if u not in state.members]
        valid = [u for u in users if u in state.members]
        if not valid:
            state.errors.append(("message/send", 81013))
            return web.json_response({"errcode": 81013, "errmsg": "user & party & tag all invalid",
                                      "invaliduser": "|".join(invalid)})
        msgid = secrets.token_hex(16)
        code = None
        if msgtype == "template_card":
            code = secrets.token_hex(16)
        for user in valid:
            window = state.sent_at[user]
            now = state.clock()
            while window and now - window[0] >= 60:
                window.popleft()
            dropped = len(window) >= PER_MEMBER_PER_MINUTE
            if not dropped:
                window.append(now)
            shown = dict(payload)
            if msgtype in ("text", "markdown"):
                shown["content"] = str(payload.get("content", "")).encode()[:TEXT_BYTES].decode(
                    "utf-8", errors="ignore")  # cut without a word, as WeCom does
            delivered = Delivered(user, msgtype, shown, msgid, dropped, code)
            state.messages.append(delivered)
            if not dropped:
                state._tell(delivered, False)
            if code is not None:
                state.response_codes[code] = (user, False)
        answer: dict[str, Any] = {"errcode": 0, "errmsg": "ok", "msgid": msgid,
                                  "invaliduser": "|".join(invalid)}
        if code is not None:
            answer["response_code"] = code
        return web.json_response(answer)

    async def update_card(request: web.Request) -> web.StreamResponse:
        refused = authorised(request, "message/update_template_card")
        if refused is not None:
            return refused
        body: dict[str, Any] = await request.json()
        code = str(body.get("response_code", ""))
        held = state.response_codes.get(code)
        if held is None or held[1]:
            return _error(state, "message/update_template_card", 40058,
                          "response_code invalid or used")
        if body.get("agentid") != state.agent_id:
            return _error(state, "message/update_template_card", 40056, "invalid agentid")
        if held[0] not in [str(u).lower() for u in body.get("userids") or []]:
            return _error(state, "message/update_template_card", 40058,
                          "userids: not the member the code was given to")
        new, button = body.get("template_card"), body.get("button")
        if (new is None) == (button is None):
            return _error(state, "message/update_template_card", 40058,
                          "one of button and template_card")
        if new is not None:
            problem = _check_card(state, new, update=True)
            if problem is not None:
                return _error(state, "message/update_template_card", *problem)
        elif not str((button or {}).get("replace_name", "")).strip():
            return _error(state, "message/update_template_card", 40058,
                          "button.replace_name empty")
        state.response_codes[code] = (held[0], True)
        state.card_updates.append(body)
        card = state.code_cards.get(code)
        if card is not None:  # what the member now sees in place of the card they pressed
            card.body = ({**new, "task_id": card.body.get("task_id")} if new is not None
                         else {**card.body, "replaced": (button or {})["replace_name"]})
            state._tell(card, True)
        return web.json_response({"errcode": 0, "errmsg": "ok", "invaliduser": []})

    async def upload(request: web.Request) -> web.StreamResponse:
        refused = authorised(request, "media/upload")
        if refused is not None:
            return refused
        kind = request.query.get("type", "")
        if kind not in ("image", "file", "voice", "video"):
            return _error(state, "media/upload", 40005, "invalid media type")
        reader = await request.multipart()
        part = await reader.next()
        if not isinstance(part, BodyPartReader) or part.name != "media":
            return _error(state, "media/upload", 41006, "media data missing")
        data = bytes(await part.read())
        if len(data) <= 5:
            return _error(state, "media/upload", 44001, "empty media data")
        if kind == "image" and len(data) > 10_000_000:
            return _error(state, "media/upload", 40009, "invalid image size")
        media_id = "m" + secrets.token_hex(20)
        state.media[media_id] = (data, part.headers.get("Content-Type", ""), part.filename or "")
        return web.json_response({"errcode": 0, "errmsg": "", "type": kind,
                                  "media_id": media_id, "created_at": str(int(time.time()))})

    async def media(request: web.Request) -> web.StreamResponse:
        refused = authorised(request, "media/get")
        if refused is not None:
            return refused
        stored = state.media.get(request.query.get("media_id", ""))
        if stored is None:
            return _error(state, "media/get", 40007, "invalid media_id")
        data, mime, name = stored
        return web.Response(body=data, content_type=mime or "image/jpeg", headers={
            "Content-disposition": f'attachment; filename="{name or "media"}"'})

    async def robot(request: web.Request) -> web.StreamResponse:
        key = request.query.get("key", "")
        if key not in state.robots:
            return _error(state, "webhook/send", 93000, "invalid webhook url")
        window, now = state.robot_posts[key], state.clock()
        while window and now - window[0] >= 60:
            window.popleft()
        window.append(now)  # counted whether it goes out or not
        if len(window) > ROBOT_PER_MINUTE:
            return _error(state, "webhook/send", 45009, "api freq out of limit")
        body: dict[str, Any] = await request.json()
        problem = _check_robot(body)
        if problem is not None:
            return _error(state, "webhook/send", *problem)
        state.robots[key].append(body)
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    def faulty(path: str, handler: Handler) -> Handler:
        async def handle(request: web.Request) -> web.StreamResponse:
            users: list[str] = []
            if request.content_type == "application/json":
                body = await request.json()  # aiohttp keeps the body for the handler
                users = [u.lower() for u in str(body.get("touser", "")).split("|") if u] + [
                    str(u).lower() for u in body.get("userids") or []]
            fault = state.take_fault(path, users)
            if fault is None:
                return await handler(request)
            return await _failed(state, fault, path, handler, request)
        return handle

    async def add_fault(request: web.Request) -> web.StreamResponse:
        data = await request.json()
        fault = state.add_fault(str(data.pop("kind", "")), **data)
        return web.json_response({"ok": True, "fault": fault.kind})

    async def clear_faults(request: web.Request) -> web.StreamResponse:
        state.faults.clear()
        return web.json_response({"ok": True})

    app.router.add_get("/cgi-bin/gettoken", gettoken)
    app.router.add_post("/cgi-bin/webhook/send", robot)
    app.router.add_post("/cgi-bin/message/send", faulty("message/send", send))
    app.router.add_post("/cgi-bin/message/update_template_card",
                        faulty("message/update_template_card", update_card))
    app.router.add_post("/cgi-bin/media/upload", faulty("media/upload", upload))
    app.router.add_get("/cgi-bin/media/get", faulty("media/get", media))
    app.router.add_post("/sandbox/api/wecom/faults", add_fault)  # as /sandbox/api/faults
    app.router.add_delete("/sandbox/api/wecom/faults", clear_faults)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def _failed(state: WeComState, fault: Fault, path: str, handler: Handler,
                  request: web.Request) -> web.StreamResponse:
    """The call as `fault` spoils it."""
    if fault.kind in ERRCODES:
        return _error(state, path, *ERRCODES[fault.kind])
    if fault.kind == "server_error":
        return web.Response(status=502, text="Bad Gateway")
    answer = await handler(request) if fault.delivered else None
    if fault.kind == "timeout":
        await asyncio.sleep(fault.delay)  # past the client's patience
        return answer or web.Response(status=504, text="Gateway Timeout")
    if request.transport is not None:  # disconnect: no answer at all
        request.transport.close()
    return web.Response(status=500)


def _check_payload(state: WeComState, msgtype: str,
                   payload: dict[str, Any]) -> tuple[int, str] | None:
    if msgtype in ("text", "markdown"):
        if not str(payload.get("content", "")).strip():
            return 44004, "empty content"
    elif msgtype in ("image", "file"):
        if str(payload.get("media_id", "")) not in state.media:
            return 40007, "invalid media_id"
    elif msgtype == "template_card":
        return _check_card(state, payload)
    return None


def _check_robot(body: dict[str, Any]) -> tuple[int, str] | None:
    kind = body.get("msgtype")
    payload = body.get(str(kind))
    if kind not in ("text", "markdown", "image") or not isinstance(payload, dict):
        return 40008, "invalid message type"
    if kind == "markdown":
        content = str(payload.get("content", ""))
        if not content.strip():
            return 44004, "empty content"
        if len(content.encode()) > 4096:
            return 45002, "content size out of limit"
    if kind == "image":
        try:
            raw = base64.b64decode(str(payload.get("base64", "")), validate=True)
        except ValueError:
            return 40035, "invalid base64"
        if len(raw) > 2 * 1024 * 1024:
            return 40009, "invalid image size"
        if hashlib.md5(raw).hexdigest() != payload.get("md5"):
            return 40035, "md5 does not match the image"
    return None


def _check_card(state: WeComState, card: dict[str, Any],
                update: bool = False) -> tuple[int, str] | None:
    """What WeCom checks of a button_interaction card (an update keeps the card's task_id)."""
    if card.get("card_type") != "button_interaction":
        return 40058, "card_type: only button_interaction is emulated"
    task_id = str(card.get("task_id", ""))
    if not update and (not task_id or len(task_id.encode()) > 128
                       or not set(task_id) <= TASK_ID_CHARS):
        return 40058, "task_id invalid"
    if not update and task_id in state.task_ids:
        return 40058, "task_id used before"
    buttons = card.get("button_list")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 6:
        return 40058, "button_list: 1 to 6 buttons"
    keys = [str(b.get("key", "")) for b in buttons if isinstance(b, dict)]
    if len(keys) != len(buttons) or any(not k or len(k.encode()) > 1024 for k in keys) \
            or len(set(keys)) != len(keys):
        return 40058, "button key missing, over 1024 bytes or repeated"
    if not (card.get("main_title") or {}).get("title") and not card.get("sub_title_text"):
        return 40058, "main_title.title or sub_title_text is required"
    if not update:
        state.task_ids.add(task_id)
    return None


class WeComServer:
    """The stand-in on a port of its own: `url` is what `wecom.api_base_url` is set to."""

    def __init__(self, state: WeComState) -> None:
        self.state = state
        self.app = web.Application(client_max_size=30 * 1024 * 1024)
        add_api_routes(self.app, state)
        self.runner = web.AppRunner(self.app)
        self.url = ""

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        await self.runner.setup()
        site = web.TCPSite(self.runner, host, port)
        await site.start()
        server = site._server
        assert server is not None
        bound = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self.url = f"http://{host}:{bound}"
        return self.url

    async def stop(self) -> None:
        await self.runner.cleanup()
