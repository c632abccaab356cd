"""The WeCom callback, over HTTP as WeCom posts to it, on SQLite and PostgreSQL: the URL check
with the published vectors, a message stored once however often WeCom sends it, and every
forged, stale, oversized or hostile request refused with nothing stored."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from aiohttp import web
from sqlalchemy import func, select

from bot.runtime import InboxStore
from bot.wecom import Envelope, callback_app, channel_of
from models import Inbox
from models.db import SessionFactory
from sandbox.wecom import App, WeComSender, card_event, envelope, location, text
from services.grid import Datum
from services.settings import WeComSettings

# The known-answer vectors of wechatpy's tests (shared/wecom/REFERENCE.md section 6.4).
VECTORS = WeComSettings(corp_id="wx49f0ab532d5d035a", agent_id=1, token="123456",
                        encoding_aes_key="kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR",
                        secret="s", datum=Datum.GCJ02)
OURS = replace(VECTORS, corp_id="ww1234567890abcdef", agent_id=1000002)
APP = App(OURS.corp_id, OURS.agent_id, OURS.token, OURS.encoding_aes_key)


class Callback:
    """The callback app on a real port, with what it was told it received."""

    def __init__(self, sessions: SessionFactory, settings: WeComSettings,
                 clock: Any = time.time, middleware: Any = None) -> None:
        self.sessions = sessions
        self.received: list[int] = []
        inbox = InboxStore(sessions, channel_of(settings.corp_id, settings.agent_id), None)
        self.app = callback_app(Envelope(settings, clock), inbox,
                                lambda key, _m: self.received.append(key), settings.path)
        if middleware is not None:
            self.app.middlewares.append(middleware)
        self.runner = web.AppRunner(self.app)
        self.url = ""

    async def start(self) -> None:
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}{OURS.path}"

    async def stored(self) -> list[dict[str, Any]]:
        async with self.sessions() as session:
            return list(await session.scalars(select(Inbox.payload).order_by(Inbox.id)))

    async def post(self, query: dict[str, str], body: bytes) -> httpx.Response:
        async with httpx.AsyncClient() as client:
            return await client.post(self.url, params=query, content=body)


@pytest.fixture
async def callback(session_factory: SessionFactory) -> AsyncIterator[Callback]:
    running = Callback(session_factory, OURS)
    await running.start()
    yield running
    await running.runner.cleanup()


async def test_the_url_check_answers_the_decrypted_echostr_and_nothing_else(
    session_factory: SessionFactory,
) -> None:
    check = Callback(session_factory, VECTORS, clock=lambda: 1411443780.0)
    await check.start()
    try:
        query = {"msg_signature": "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96",
                 "timestamp": "1411443780", "nonce": "437374425",
                 "echostr": "4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6"
                            "Yh9Bv41n7hOchLF6p+Q=="}
        async with httpx.AsyncClient() as client:
            good = await client.get(check.url.replace(OURS.path, VECTORS.path), params=query)
            forged = await client.get(check.url, params={**query, "nonce": "1"})
        assert (good.status_code, good.text) == (200, "5927782489442352469")
        assert forged.status_code == 403 and "5927782489442352469" not in forged.text
    finally:
        await check.runner.cleanup()


async def test_a_message_sent_three_times_is_stored_once_and_handed_on_once(
    callback: Callback,
) -> None:
    plain = text(APP, "zhangsan", "河边有人倒垃圾")
    query, body = envelope(APP, plain)
    answers = [await callback.post(query, body) for _ in range(3)]  # WeCom's retries
    assert [(a.status_code, a.text) for a in answers] == [(200, "")] * 3
    stored = await callback.stored()
    assert len(stored) == 1 and len(callback.received) == 1
    assert stored[0]["FromUserName"] == "zhangsan" and stored[0]["Content"] == "河边有人倒垃圾"
    assert callback.received[0] == int(stored[0]["MsgId"])


async def test_events_have_no_msgid_and_are_told_apart_by_who_when_and_what(
    callback: Callback,
) -> None:
    sender = WeComSender(APP, callback.url)
    press = card_event(APP, "lisi", "c:1:acc:1", "t-1", "rc-1")
    other = card_event(APP, "lisi", "c:1:rej:1", "t-1", "rc-2")
    for plain in (press, press, other):
        assert (await sender.post(plain)).delivered
    stored = await callback.stored()
    assert [m["EventKey"] for m in stored] == ["c:1:acc:1", "c:1:rej:1"]
    assert all(key < 0 for key in callback.received)  # events: keys of their own


async def test_a_location_keeps_its_latitude_and_longitude_as_wecom_names_them(
    callback: Callback,
) -> None:
    assert (await WeComSender(APP, callback.url).post(
        location(APP, "wangwu", 30.785, 119.964, "妙西镇"))).delivered
    (stored,) = await callback.stored()
    assert (stored["Location_X"], stored["Location_Y"]) == ("30.785", "119.964")


async def _count(sessions: SessionFactory) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Inbox)) or 0)


@pytest.mark.parametrize("forgery", ["signature", "corp", "stale", "agent"])
async def test_a_forged_or_replayed_request_is_refused_and_stores_nothing(
    callback: Callback, forgery: str,
) -> None:
    plain = text(APP, "zhangsan", "hello")
    if forgery == "signature":
        query, body = envelope(APP, plain)
        query["msg_signature"] = "0" * 40
    elif forgery == "corp":  # sealed with our key, but for another corp
        query, body = envelope(replace(APP, corp_id="wwOTHER"), plain)
    elif forgery == "stale":  # a request captured an hour ago, played again
        query, body = envelope(APP, plain, timestamp=int(time.time()) - 3600)
    else:
        query, body = envelope(APP, text(replace(APP, agent_id=1000099), "x", "hello"))
    answer = await callback.post(query, body)
    assert answer.status_code == 403
    assert await _count(callback.sessions) == 0 and callback.received == []


@pytest.mark.parametrize("hostile", ["entities", "external", "huge", "garbage", "no-encrypt"])
async def test_hostile_xml_is_refused_before_anything_is_decrypted(
    callback: Callback, hostile: str,
) -> None:
    query, _body = envelope(APP, text(APP, "zhangsan", "hello"))
    bodies = {
        "entities": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
                    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><xml><Encrypt>&b;</Encrypt></xml>',
        "external": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                    b"<xml><Encrypt>&e;</Encrypt></xml>",
        "huge": b"<xml><Encrypt>" + b"A" * 200_000 + b"</Encrypt></xml>",
        "garbage": b"\x00\xff not xml at all",
        "no-encrypt": b"<xml><ToUserName>ww1234567890abcdef</ToUserName></xml>",
    }
    answer = await callback.post(query, bodies[hostile])
    assert answer.status_code == (413 if hostile == "huge" else 400)
    assert await _count(callback.sessions) == 0


async def test_a_late_answer_is_sent_again_and_still_makes_one_row(
    session_factory: SessionFactory,
) -> None:
    """WeCom gives up on an answer after 5 s and sends again: the first try was stored before
    the answer, so the retry is the same row, handed on once."""
    late = [0.6]  # the first answer comes after this sender's deadline

    @web.middleware
    async def slow(request: web.Request, handler: Any) -> web.StreamResponse:
        answer = await handler(request)
        if late:
            await asyncio.sleep(late.pop())
        return answer

    running = Callback(session_factory, OURS, middleware=slow)
    await running.start()
    try:
        posted = await WeComSender(APP, running.url, deadline=0.3).post(
            text(APP, "zhangsan", "slow day"))
        assert posted.tries == [None, 200]
        assert len(await running.stored()) == 1 and len(running.received) == 1
    finally:
        await running.runner.cleanup()


async def test_a_signed_envelope_that_does_not_decrypt_is_refused(callback: Callback) -> None:
    """Only the Token's holder can sign; what they sign must still decrypt to our corp."""
    stamp, nonce, encrypt = str(int(time.time())), "42", "bm90IGNpcGhlcnRleHQ="
    signature = hashlib.sha1("".join(sorted([OURS.token, stamp, nonce, encrypt])).encode())
    query = {"msg_signature": signature.hexdigest(), "timestamp": stamp, "nonce": nonce}
    body = f"<xml><ToUserName>{OURS.corp_id}</ToUserName><Encrypt>{encrypt}</Encrypt></xml>"
    answer = await callback.post(query, body.encode())
    assert answer.status_code == 400
    assert await _count(callback.sessions) == 0
