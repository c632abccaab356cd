"""WeCom's server API, asynchronously (httpx; wechatpy's client is synchronous and would block the
loop): the access token cached and refreshed before it expires, by one caller at a time, and
refreshed once more when WeCom calls it invalid (40014, often what an expired token gets) or
expired (42001); every answer checked by its errcode, never its errmsg."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

from bot.wecom.limits import split_bytes
from services.settings import WeComSettings

REFRESH_BEFORE_SECONDS = 300  # a token this close to its end is replaced before use
TOKEN_EXPIRED = frozenset({40014, 42001})
BUSY = frozenset({-1, 45009, 45033})  # busy, over a frequency or a concurrency limit: later
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
AGAIN_AFTER_SECONDS = 1.0  # before a call WeCom surely did not take is made once more
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)  # it never left here
T = TypeVar("T")
log = logging.getLogger(__name__)


class WeComError(Exception):
    """WeCom said no: its errcode and errmsg (the message carries a request id; log it)."""

    def __init__(self, code: int, message: str, path: str) -> None:
        super().__init__(f"{path}: {code} {message}")
        self.code = code
        self.message = message

    @property
    def busy(self) -> bool:
        """Worth trying later: WeCom busy or over a limit, or an HTTP failure of its servers
        (told as the negative status, never with the URL, which holds the token)."""
        return self.code in BUSY or self.code <= -500 or self.code == -429


def http_failed(answer: httpx.Response, path: str) -> WeComError | None:
    """A non-2xx answer as an error that does not carry the URL (its query has the secret)."""
    if answer.is_success:
        return None
    return WeComError(-answer.status_code, answer.reason_phrase, path)


# Waits for a member's turn to get one more message, and counts it (bot.wecom.pace.MemberPace:
# kept in the database, for every process).
Pace = Callable[[str], Awaitable[None]]


async def once_more(call: Callable[[], Awaitable[T]],
                    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                    *, safe_to_repeat: bool = False) -> T:
    """A call WeCom surely did not take (busy, over a limit, a 5xx, no connection) is made once
    more after a moment, so a passing fault costs the person nothing. One that may have gone (a
    timeout, a dropped answer) is made again only when it is `safe_to_repeat` (a GET); a message
    is not, so nobody gets it twice: the caller's apology follows instead."""
    try:
        return await call()
    except WeComError as error:
        if not error.busy:
            raise
        log.info("wecom: %s; once more in a moment", error)
    except httpx.TransportError as exc:
        if not (safe_to_repeat or isinstance(exc, NOT_SENT)):
            raise
        log.info("wecom: a call did not get through (%r); once more in a moment", exc)
    await sleep(AGAIN_AFTER_SECONDS)
    return await call()


class WeComApi:
    """One self-built app's calls."""

    def __init__(self, settings: WeComSettings, pace: Pace,
                 client: httpx.AsyncClient | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.pace = pace
        self.client = client or httpx.AsyncClient(timeout=TIMEOUT)
        self.clock = clock
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep  # tests pass time
        self._token: tuple[str, float] | None = None  # (token, when it stops being used)
        self._fetching = asyncio.Lock()
        self.tokens_fetched = 0

    async def close(self) -> None:
        await self.client.aclose()

    def _url(self, path: str) -> str:
        return f"{self.settings.api_base_url}/cgi-bin/{path}"

    async def token(self) -> str:
        """The app's access token, fetched once for everyone waiting when it is missing or
        about to expire."""
        async with self._fetching:
            if self._token is not None and self.clock() < self._token[1]:
                return self._token[0]
            answer = await self.client.get(self._url("gettoken"), params={
                "corpid": self.settings.corp_id, "corpsecret": self.settings.secret})
            data = _checked(answer, "gettoken")
            lifetime = float(data.get("expires_in", 7200))
            self._token = (str(data["access_token"]),
                           self.clock() + max(lifetime - REFRESH_BEFORE_SECONDS, lifetime / 2))
            self.tokens_fetched += 1
            return self._token[0]

    def _forget(self, token: str) -> None:
        if self._token is not None and self._token[0] == token:
            self._token = None

    async def _request(self, path: str, json: dict[str, Any] | None, params: dict[str, str],
                       files: dict[str, tuple[str, bytes, str]] | None) -> httpx.Response:
        """`path` with the token; a token WeCom no longer takes (40014, 42001: an answer in
        JSON, whatever the path gives otherwise) is replaced and the call made once more."""
        for attempt in (1, 2):
            token = await self.token()
            query = {**params, "access_token": token}
            if json is None and files is None:
                answer = await self.client.get(self._url(path), params=query)
            else:
                answer = await self.client.post(self._url(path), params=query, json=json,
                                                files=files)
            if attempt == 1 and answer.headers.get("content-type", "").startswith(
                    "application/json") and int(answer.json().get("errcode", 0)) in TOKEN_EXPIRED:
                self._forget(token)
                continue
            return answer
        raise AssertionError("unreachable")

    async def call(self, path: str, *, json: dict[str, Any] | None = None,
                   params: dict[str, str] | None = None,
                   files: dict[str, tuple[str, bytes, str]] | None = None) -> dict[str, Any]:
        """POST (with a body or files) or GET `path`; WeCom's answer, checked."""
        return _checked(await self._request(path, json, params or {}, files), path)

    async def send(self, user: str, msgtype: str, payload: dict[str, Any]) -> dict[str, Any]:
        """One message to one member, on the member's pace whoever sends it (a reply or a
        notice): past WeCom's 30 a minute it answers ok and drops the message, so the send
        waits for its turn instead."""
        await self.pace(user)
        return await self.call("message/send", json={
            "touser": user, "agentid": self.settings.agent_id, "msgtype": msgtype,
            msgtype: payload})

    async def send_text(self, user: str, content: str) -> list[str]:
        """A text in as many messages as its bytes need; their msgids."""
        sent = []
        for piece in split_bytes(content):
            answer = await self.send(user, "text", {"content": piece})
            sent.append(str(answer.get("msgid", "")))
        return sent

    async def upload(self, kind: str, name: str, data: bytes, mime: str) -> str:
        """Temporary media (3 days): its media_id."""
        answer = await self.call("media/upload", params={"type": kind},
                                 files={"media": (name, data, mime)})
        return str(answer["media_id"])

    async def media(self, media_id: str) -> bytes:
        """A member's picture by its MediaId, fetched once more after a moment when WeCom was
        busy or the connection failed (a GET is safe to repeat)."""
        return await once_more(lambda: self._media(media_id), self.sleep, safe_to_repeat=True)

    async def _media(self, media_id: str) -> bytes:
        """An error comes as JSON, not as the file."""
        answer = await self._request("media/get", None, {"media_id": media_id}, None)
        if answer.headers.get("content-type", "").startswith(("application/json", "text/plain")):
            _checked(answer, "media/get")
            raise WeComError(0, "an answer in JSON instead of the file", "media/get")
        failed = http_failed(answer, "media/get")
        if failed is not None:
            raise failed
        return answer.content


def _checked(answer: httpx.Response, path: str) -> dict[str, Any]:
    failed = http_failed(answer, path)
    if failed is not None:
        raise failed
    data: dict[str, Any] = answer.json()
    code = int(data.get("errcode", 0))
    if code != 0:
        raise WeComError(code, str(data.get("errmsg", "")), path)
    return data
