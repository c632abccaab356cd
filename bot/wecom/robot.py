"""A WeCom group robot (群机器人): a cell group's alerts posted to its webhook key, as markdown
within 4096 UTF-8 bytes or as a picture (raw bytes at most 2 MB, sent as base64 with its MD5).
The key is the robot's only credential: it is never logged or shown in full (`masked`). WeCom
allows 20 messages a minute per robot and answers 45009 past that; 93000 means the key is
wrong or was reset, which no retry mends."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import replace
from typing import Any

import httpx
from sqlalchemy import select

from bot.outbox.transport import FloodWait, Lost, SendFailed, Step, Unreachable
from bot.wecom.answer import plain
from bot.wecom.api import TIMEOUT, WeComError, http_failed
from bot.wecom.limits import PER_ROBOT_PER_MINUTE, split_bytes
from models import GroupBinding
from models.db import SessionFactory
from services.members import masked, unseal
from services.members.reach import CHAT_GONE
from services.notices.card import Card, shown
from services.settings import OutboxSettings, WeComSettings

MARKDOWN_BYTES = 4096
IMAGE_BYTES = 2 * 1024 * 1024
GONE = 93000  # the key is wrong, or the robot was removed or reset
ACT_IN_APP = "\n\n> 在企业微信应用里处理：发送 /case {number}"
__all__ = ["GONE", "PER_ROBOT_PER_MINUTE", "Robot", "RobotTransport", "masked", "pacing"]


class Robot:
    """One robot's webhook."""

    def __init__(self, base_url: str, key: str, client: httpx.AsyncClient | None = None) -> None:
        self.url = f"{base_url.rstrip('/')}/cgi-bin/webhook/send"
        self.key = key
        self.client = client or httpx.AsyncClient(timeout=TIMEOUT)

    def __repr__(self) -> str:
        return f"Robot({masked(self.key)})"

    async def close(self) -> None:
        await self.client.aclose()

    async def _post(self, body: dict[str, Any]) -> None:
        answer = await self.client.post(self.url, params={"key": self.key}, json=body)
        failed = http_failed(answer, f"webhook/send {masked(self.key)}")
        if failed is not None:
            raise failed
        data: dict[str, Any] = answer.json()
        code = int(data.get("errcode", 0))
        if code != 0:
            raise WeComError(code, str(data.get("errmsg", "")), f"webhook/send {masked(self.key)}")

    async def markdown(self, content: str) -> int:
        """Post `content` in as many messages as its bytes need; how many."""
        pieces = split_bytes(content, MARKDOWN_BYTES)
        for piece in pieces:
            await self._post({"msgtype": "markdown", "markdown": {"content": piece}})
        return len(pieces)

    async def image(self, data: bytes) -> None:
        if len(data) > IMAGE_BYTES:
            raise ValueError(f"a robot's picture is at most {IMAGE_BYTES} bytes, not {len(data)}")
        await self._post({"msgtype": "image", "image": {
            "base64": base64.b64encode(data).decode(), "md5": hashlib.md5(data).hexdigest()}})


def pacing(settings: OutboxSettings) -> OutboxSettings:
    """Each robot under its 20 posts a minute (its chat id is no Telegram group's, so the pace
    is set as a private chat's)."""
    return replace(settings, private_per_second=PER_ROBOT_PER_MINUTE * 0.9 / 60)


class RobotTransport:
    """The outbox's transport for cells' robots (platform ROBOT): a notice's words as markdown
    within the robot's bytes, with the way to act in the app; a robot has no buttons, and the
    photos stay in the app. The key is read from its binding and unsealed per notice."""

    def __init__(self, sessions: SessionFactory, settings: WeComSettings,
                 client: httpx.AsyncClient | None = None) -> None:
        self.sessions = sessions
        self.settings = settings
        self.client = client or httpx.AsyncClient(timeout=TIMEOUT)

    def sending(self, chat_id: str, card: Card) -> RobotSending:
        return RobotSending(self, chat_id, card)

    async def close(self) -> None:
        await self.client.aclose()

    async def key_of(self, chat_id: str) -> str | None:
        async with self.sessions() as session:
            sealed = await session.scalar(select(GroupBinding.secret).where(
                GroupBinding.chat_id == chat_id, GroupBinding.active.is_(True)))
        return unseal(sealed, self.settings.encoding_aes_key) if sealed else None


class RobotSending:
    def __init__(self, transport: RobotTransport, chat_id: str, card: Card) -> None:
        self.card = card
        words = plain(card.text)
        number = next((w for w in words.replace("·", " ").split() if w.count("-") == 2
                       and w.split("-")[-1].isdigit()), None)
        if number is not None:
            words += ACT_IN_APP.format(number=number)
        pieces = split_bytes(words, MARKDOWN_BYTES)

        def post(piece: str) -> Step:
            async def call() -> list[int]:
                key = await transport.key_of(chat_id)
                if key is None:  # unbound meanwhile, or sealed under another secret
                    raise Unreachable(CHAT_GONE, f"{chat_id}: no robot key to post with")
                robot = Robot(transport.settings.api_base_url, key, transport.client)
                try:
                    await robot.markdown(piece)
                except WeComError as error:
                    if error.code == GONE:
                        raise Unreachable(CHAT_GONE, str(error)) from error
                    if error.code == 45009:
                        raise FloodWait(60.0, str(error)) from error
                    raise SendFailed(str(error)) from error
                except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                    raise SendFailed(f"webhook/send {masked(key)}: {exc}") from exc
                except httpx.TransportError as exc:
                    raise Lost(f"webhook/send {masked(key)}: {exc}",
                               timed_out=isinstance(exc, httpx.TimeoutException)) from exc
                return []
            return call

        self.steps = [post(piece) for piece in pieces]

    def record(self) -> dict[str, Any]:
        return {"shown": shown(self.card)}

    async def after(self, sessions: SessionFactory) -> None:
        return None
