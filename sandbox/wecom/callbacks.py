"""WeCom's side of the callback, for tests and the sandbox: a member's message or event as the
XML WeCom writes, encrypted and signed with the app's Token and EncodingAESKey, and posted the
way WeCom posts it: an answer within 5 seconds or it is sent again, three retries in all, the
same MsgId each time. Locations are sent in GCJ-02, as the WeCom client's map gives them."""

from __future__ import annotations

import itertools
import secrets
import time
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import httpx
from wechatpy.enterprise.crypto import WeChatCrypto

DEADLINE_SECONDS = 5.0  # WeCom's wait for the callback's answer
RETRIES = 3
_ids = itertools.count(4363689963896700987)


def _cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


@dataclass(frozen=True)
class App:
    """A self-built app as the admin console shows it."""

    corp_id: str
    agent_id: int
    token: str
    encoding_aes_key: str


def message_xml(app: App, user: str, msg_type: str, fields: dict[str, str | int | float], *,
                msg_id: int | None = None, create_time: int | None = None) -> str:
    """A decrypted message or event (`msg_id` None for an event, which has none)."""
    parts = [
        f"<ToUserName>{_cdata(app.corp_id)}</ToUserName>",
        f"<FromUserName>{_cdata(user)}</FromUserName>",
        f"<CreateTime>{create_time or int(time.time())}</CreateTime>",
        f"<MsgType>{_cdata(msg_type)}</MsgType>",
    ]
    for name, value in fields.items():
        text = str(value)
        parts.append(f"<{name}>{_cdata(text) if isinstance(value, str) else escape(text)}</{name}>")
    if msg_id is not None:
        parts.append(f"<MsgId>{msg_id}</MsgId>")
    parts.append(f"<AgentID>{app.agent_id}</AgentID>")
    return "<xml>" + "".join(parts) + "</xml>"


def text(app: App, user: str, content: str) -> str:
    return message_xml(app, user, "text", {"Content": content}, msg_id=next(_ids))


def image(app: App, user: str, media_id: str) -> str:
    return message_xml(app, user, "image", {"PicUrl": f"https://wework.qpic.cn/{media_id}",
                                            "MediaId": media_id}, msg_id=next(_ids))


def location(app: App, user: str, gcj_lat: float, gcj_lon: float, label: str = "") -> str:
    """Location_X is the latitude, whatever the name suggests."""
    return message_xml(app, user, "location", {"Location_X": gcj_lat, "Location_Y": gcj_lon,
                                               "Scale": 15, "Label": label, "AppType": "wxwork"},
                       msg_id=next(_ids))


def card_event(app: App, user: str, key: str, task_id: str, response_code: str) -> str:
    return message_xml(app, user, "event", {
        "Event": "template_card_event", "EventKey": key, "TaskId": task_id,
        "CardType": "button_interaction", "ResponseCode": response_code})


def envelope(app: App, plain: str, *, timestamp: int | None = None,
             nonce: str | None = None) -> tuple[dict[str, str], bytes]:
    """The query and body WeCom posts for `plain`."""
    crypto = WeChatCrypto(app.token, app.encoding_aes_key, app.corp_id)
    stamp = str(timestamp or int(time.time()))
    once = nonce or str(secrets.randbelow(10**9))
    sealed = crypto.encrypt_message(plain, once, stamp)
    encrypt = sealed.split("<Encrypt><![CDATA[", 1)[1].split("]]></Encrypt>", 1)[0]
    signature = sealed.split("<MsgSignature><![CDATA[", 1)[1].split("]]>", 1)[0]
    body = (f"<xml><ToUserName>{_cdata(app.corp_id)}</ToUserName>"
            f"<Encrypt>{_cdata(encrypt)}</Encrypt>"
            f"<AgentID>{_cdata(str(app.agent_id))}</AgentID></xml>")
    return {"msg_signature": signature, "timestamp": stamp, "nonce": once}, body.encode()


@dataclass
class Posted:
    """What became of one delivery: each try's HTTP status (None: no answer in 5 s)."""

    tries: list[int | None] = field(default_factory=list)

    @property
    def delivered(self) -> bool:
        return bool(self.tries) and self.tries[-1] == 200


class WeComSender:
    """Posts messages to a bot's callback URL as WeCom does."""

    def __init__(self, app: App, url: str, *, deadline: float = DEADLINE_SECONDS) -> None:
        self.app = app
        self.url = url
        self.deadline = deadline

    async def post(self, plain: str) -> Posted:
        """Deliver `plain`: again on no answer within the deadline or on a failure, with the
        same message (the same MsgId), up to three retries."""
        posted = Posted()
        query, body = envelope(self.app, plain)
        async with httpx.AsyncClient(timeout=self.deadline) as client:
            for _ in range(1 + RETRIES):
                try:
                    response = await client.post(self.url, params=query, content=body)
                except (httpx.TimeoutException, httpx.TransportError):
                    posted.tries.append(None)
                    continue
                posted.tries.append(response.status_code)
                if response.status_code == 200:
                    break
                if response.status_code in (400, 403, 413):
                    break  # refused: sending again would not change that
        return posted
