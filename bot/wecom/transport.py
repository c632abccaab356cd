"""The WeCom transport of the outbox sender (bot.outbox.transport): a notice's Card as WeCom's
calls (its photos uploaded and sent as images, its words as text within 2048 bytes, its
buttons as template cards), and WeCom's errcodes told in the sender's terms. WeCom cannot edit
a message it delivered, so a card brought up to date is sent anew; and a member takes at most
30 messages a minute, past which WeCom answers "ok" and drops the rest: `PACING` keeps under
it."""

from __future__ import annotations

import logging
import mimetypes
from dataclasses import replace
from typing import Any

import httpx

from bot.outbox.transport import FloodWait, Lost, Rejected, SendFailed, Step, Unreachable
from bot.wecom.answer import Planned, planned, send_planned
from bot.wecom.api import WeComApi, WeComError
from bot.wecom.limits import PER_MEMBER_PER_MINUTE
from models.db import SessionFactory
from services.i18n import Translator, translator
from services.members import CHAT_GONE
from services.notices.card import Card, shown
from services.settings import OutboxSettings

log = logging.getLogger("bot.outbox")

GONE = frozenset({40003, 81013, 82001, 50002, 60011})  # not a member of the app, or out of range
MINUTE_BLOCK_SECONDS = 60.0  # WeCom blocks a minute past a per-minute limit


def pacing(settings: OutboxSettings) -> OutboxSettings:
    """The outbox's pace on WeCom: a member's messages spread under WeCom's 30 a minute."""
    return replace(settings, private_per_second=PER_MEMBER_PER_MINUTE * 0.9 / 60)


class WeComTransport:
    """The sender's calls on WeCom, through one app's API."""

    def __init__(self, api: WeComApi) -> None:
        self.api = api

    def sending(self, chat_id: str, card: Card) -> WeComSending:
        return WeComSending(self.api, chat_id, card)


class WeComSending:
    """One notice's calls (each one paced message), with WeCom's errors told as the sender's."""

    def __init__(self, api: WeComApi, user: str, card: Card) -> None:
        assert card.picture is None and not card.upload_jobs, "draw_pictures first"
        self.card = card
        # A notice's words are already in its reader's language; `t` only titles extra cards.
        self.steps = [_told(step) for step in _steps(api, user, card, translator("zh_CN"))]

    def record(self) -> dict[str, Any]:
        return {"shown": shown(self.card)}  # no message id: WeCom cannot edit what it sent

    async def after(self, sessions: SessionFactory) -> None:
        return None  # media ids last three days: nothing worth keeping


def _steps(api: WeComApi, user: str, card: Card, t: Translator) -> list[Step]:
    pictures = [upload.data for upload in card.photo_uploads]
    if card.photo_bytes is not None:
        pictures.append(card.photo_bytes)

    def picture(data: bytes) -> Step:
        async def call() -> list[int]:
            media = await api.upload("image", "photo.jpg", data, "image/jpeg")
            await send_planned(api, user, ("image", {"media_id": media}))
            return []
        return call

    def message(planned_one: Planned) -> Step:
        async def call() -> list[int]:
            await send_planned(api, user, planned_one)
            return []
        return call

    def document(name: str, data: bytes) -> Step:
        async def call() -> list[int]:
            mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
            media = await api.upload("file", name, data, mime)
            await send_planned(api, user, ("file", {"media_id": media}))
            return []
        return call

    files: list[Step] = []
    if card.document is not None and card.document.data is not None:
        files.append(document(card.document.filename, card.document.data))
    flat = tuple(b for row in card.buttons for b in row)
    return [*(picture(data) for data in pictures), *files,
            *(message(one) for one in planned(card.text, flat, t))]


def _told(step: Step) -> Step:
    async def call() -> list[int]:
        try:
            return await step()
        except WeComError as error:
            if error.code in (45009, 45033) or error.code == -429:
                raise FloodWait(MINUTE_BLOCK_SECONDS, str(error)) from error
            if error.code in GONE:
                raise Unreachable(CHAT_GONE, str(error)) from error
            if error.busy:
                raise SendFailed(str(error)) from error
            raise Rejected(str(error)) from error
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise SendFailed(str(exc)) from exc  # it never left this machine
        except httpx.TransportError as exc:  # a read timeout, a dropped connection: maybe sent
            raise Lost(str(exc), timed_out=isinstance(exc, httpx.TimeoutException)) from exc

    return call
