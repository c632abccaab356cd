"""The WeCom callback (接收消息服务器): the admin console's URL check, and every message or event
written to the inbox before the empty 200 that tells WeCom it arrived. WeCom waits 5 seconds
and then sends again, so nothing is handled here: `received` is told, and the work happens
after the answer. A retry of a stored message is the same inbox row, so it is handled once."""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiohttp import web

from bot.runtime.inbox import InboxStore, InboxUnavailable
from bot.wecom.envelope import MAX_BODY, Envelope, Message, Refused, delivery_key

log = logging.getLogger(__name__)

Received = Callable[[int, Message], None]  # (inbox key, message): stored, to be handled


def channel_of(corp_id: str, agent_id: int) -> str:
    """The inbox key of a WeCom app (ids only, never a secret)."""
    return f"wecom:{corp_id}:{agent_id}"


def callback_app(envelope: Envelope, inbox: InboxStore, received: Received,
                 path: str) -> web.Application:
    """An aiohttp application answering WeCom at `path` (GET: the URL check; POST: messages)."""

    async def check_url(request: web.Request) -> web.StreamResponse:
        try:
            echo = envelope.verify_url(request.query)
        except Refused as refused:
            log.warning("wecom: URL check refused (%s): %s", refused.status, refused.reason)
            return web.Response(status=refused.status, text="refused")
        return web.Response(text=echo)  # the plaintext alone: no quotes, no newline

    async def message(request: web.Request) -> web.StreamResponse:
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.Response(status=413, text="too large")
        body = await request.content.read(MAX_BODY + 1)
        try:
            opened = envelope.open(request.query, body)
        except Refused as refused:
            log.warning("wecom: request refused (%s): %s", refused.status, refused.reason)
            return web.Response(status=refused.status, text="refused")
        key = delivery_key(opened)
        try:
            fresh = await inbox.store(key, opened)
        except InboxUnavailable:
            log.exception("wecom: the inbox could not store a message; WeCom will send it again")
            return web.Response(status=503, text="try again")
        if fresh:
            received(key, opened)
        return web.Response(text="")  # empty 200: received, the answer comes by the API

    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_get(path, check_url)
    app.router.add_post(path, message)
    return app
