"""A WeCom group robot (群机器人): a cell group's alerts posted to its webhook key, as markdown
within 4096 UTF-8 bytes or as a picture (raw bytes at most 2 MB, sent as base64 with its MD5).
The key is the robot's only credential: it is never logged or shown in full (`masked`). WeCom
allows 20 messages a minute per robot and answers 45009 past that; 93000 means the key is
wrong or was reset, which no retry mends."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import httpx

from bot.wecom.api import TIMEOUT, WeComError, http_failed
from bot.wecom.limits import PER_ROBOT_PER_MINUTE, split_bytes

MARKDOWN_BYTES = 4096
IMAGE_BYTES = 2 * 1024 * 1024
GONE = 93000  # the key is wrong, or the robot was removed or reset
__all__ = ["GONE", "PER_ROBOT_PER_MINUTE", "Robot", "masked"]


def masked(key: str) -> str:
    """What may be shown of a robot's key: its first and last four characters."""
    return f"{key[:4]}…{key[-4:]}" if len(key) > 12 else "…"


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
