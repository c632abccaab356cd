"""A WeCom app driven as WeCom does it, in one process with the bot: the API stand-in
(sandbox.wecom.WeComServer), the bot's channel on its callback, and members who post messages
and press cards and read what they got. Shared by the WeCom tests and those that carry a case
across WeCom and Telegram."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace

from bot.wecom.api import WeComApi
from bot.wecom.callback import channel_of
from bot.wecom.channel import WeComChannel
from bot.wecom.pace import MemberPace
from drill.wecom import words
from handlers.deps import Deps
from models.db import SessionFactory
from sandbox.wecom import App, Delivered, WeComSender, WeComServer, WeComState, card_event
from sandbox.wecom import image as image_message
from sandbox.wecom import location as location_message
from sandbox.wecom import text as text_message
from services.grid import Datum
from services.grid.datum import wgs84_to_gcj02
from services.settings import WeComSettings
from tests.support.images import jpeg
from tests.support.report_world import IN_GRADE1

CORP, AGENT = "ww1234567890abcdef", 1000002
AES = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
USER = "ZhangSan"


@dataclass
class Stage:
    wecom: WeComState
    channel: WeComChannel
    sender: WeComSender
    app: App
    sessions: SessionFactory
    wecom_url: str = ""  # the stand-in's base URL

    async def say(self, plain: str, user: str = USER) -> list[Delivered]:
        """Post one message as WeCom does; what the member received in answer."""
        before = len(self.wecom.inbox(user))
        assert (await self.sender.post(plain)).delivered
        await self.channel.idle()
        return self.wecom.inbox(user)[before:]

    async def press(self, got: list[Delivered], label: str, user: str = USER
                    ) -> list[Delivered]:
        for message in reversed(got):
            if message.msgtype != "template_card":
                continue
            if "replaced" in message.body:  # greyed by an update: nothing to press
                continue
            for button in message.body["button_list"]:
                if label in button["text"]:
                    return await self.say(card_event(self.app, user, button["key"],
                                                     message.body["task_id"],
                                                     self.wecom.clicked(message)), user)
        raise AssertionError(f"no button {label!r} in {[m.body for m in got]}")


@asynccontextmanager
async def open_stage(deps: Deps, *members: str) -> AsyncIterator[Stage]:
    """The stand-in and the bot's WeCom channel on `deps` (the same core as any other
    channel of the test), `members` (and USER) known to the app."""
    wecom = WeComState(corp_id=CORP, secret="app-secret", agent_id=AGENT,
                       members={m.lower() for m in (USER, *members)})
    server = WeComServer(wecom)
    url = await server.start()
    configured = replace(deps.settings, wecom=WeComSettings(
        corp_id=CORP, agent_id=AGENT, token="callback-token", secret="app-secret",
        encoding_aes_key=AES, api_base_url=url, port=0, datum=Datum.GCJ02))
    # the pace every process shares, in the database, as `gridpatrol run` gives it
    api = WeComApi(configured.wecom, MemberPace(deps.sessions, channel_of(CORP, AGENT)).turn)
    channel = WeComChannel(replace(deps, settings=configured), api)
    callback = await channel.start()
    app = App(CORP, AGENT, "callback-token", AES)
    try:
        yield Stage(wecom, channel, WeComSender(app, callback), app, deps.sessions, url)
    finally:
        await channel.stop()
        await api.close()
        await server.stop()


async def file_a_report(stage: Stage, user: str = USER, photo: int = 2) -> str:
    """A whole report from WeCom, quickly (a photo, the place in GCJ-02 as WeCom's map sends
    it); its number."""
    await stage.say(text_message(stage.app, user, "/start"), user)
    asked = await stage.say(text_message(stage.app, user, "/report"), user)
    photos = await stage.press(asked, "垃圾", user)
    media = f"MEDIA-photo-{user}-{photo}"
    stage.wecom.media[media] = (jpeg(seed=photo), "image/jpeg", "p.jpg")
    kept = await stage.say(image_message(stage.app, user, media), user)
    assert photos and kept
    await stage.press(kept, "完成", user)
    await stage.say(location_message(stage.app, user, *wgs84_to_gcj02(*IN_GRADE1)), user)
    severity = await stage.say(text_message(stage.app, user, "有人在一级保护区倾倒垃圾"), user)
    done = await stage.press(await stage.press(severity, "", user), "提交", user)
    found = re.search(r"HZ-\d{4}-\d{6}", words(done))
    assert found is not None, words(done)
    return found.group(0)
