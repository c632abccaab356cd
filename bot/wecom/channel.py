"""The WeCom channel at work: the callback stores each message (bot.wecom.callback), and each
is then handled apart from the callback's answer, one member's messages strictly in order and
different members side by side: read as an Inbound, run through every conversation
(handlers.dispatch), answered through WeCom's API, marked done in the inbox. Messages a dead
process stored but never handled are taken over at start."""

from __future__ import annotations

import asyncio
import logging
import time

from aiohttp import web

from bot.outbox import Sender
from bot.runtime.inbox import InboxStore
from bot.runtime.lease import Lease
from bot.wecom.answer import Giver, tell
from bot.wecom.api import WeComApi
from bot.wecom.callback import callback_app, channel_of
from bot.wecom.envelope import Envelope, Message
from bot.wecom.inbound import CHANNEL, inbound_of
from bot.wecom.robot import RobotTransport
from bot.wecom.robot import pacing as robot_pacing
from bot.wecom.transport import WeComTransport, pacing
from handlers.deps import Deps
from handlers.dispatch import dispatch
from handlers.throttle import FloodGuard
from handlers.words import SORRY, SORRY_PRESS
from services.i18n import Translator, translator
from services.members import ROBOT, find_member
from services.metrics import message_step, press_step

log = logging.getLogger(__name__)


def step_of(message: Message) -> str:
    """What /metrics times this message as (services.metrics): a card's button by its kind, a
    command by its name, else its MsgType (or the event's name)."""
    kind = str(message.get("MsgType", ""))
    if kind == "event":
        event = str(message.get("Event", ""))
        if event == "template_card_event":
            return press_step(str(message.get("EventKey", "")))
        return f"event:{event.lower()}" if event.isalpha() and len(event) <= 24 else "event"
    if kind == "text":
        return message_step("text", str(message.get("Content", "")).strip())
    return kind if kind.isalpha() and len(kind) <= 16 else "other"


class WeComChannel:
    """One self-built app, served by this process."""

    def __init__(self, deps: Deps, api: WeComApi, lease: Lease | None = None,
                 envelope: Envelope | None = None) -> None:
        settings = deps.settings.wecom
        self.deps = deps
        self.api = api
        self.inbox = InboxStore(deps.sessions, channel_of(settings.corp_id, settings.agent_id),
                                lease)
        self.giver = Giver(api)
        self.guard = FloodGuard.of(deps.settings)
        self.locks: dict[str, asyncio.Lock] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self.app = callback_app(envelope or Envelope(settings), self.inbox, self.received,
                                settings.path)
        self.runner: web.AppRunner | None = None
        # Notices to WeCom's members: the outbox rows of this channel, at WeCom's pace.
        self.sender = Sender(WeComTransport(api), deps, deps.renderers, platform=CHANNEL,
                             pacing=pacing(deps.settings.outbox))
        self.sender.lease = lease  # several processes: each paces its share, claims its own
        # Cells' group robots (services.members.robots): their own rows, at a robot's pace.
        self.robot_transport = RobotTransport(deps.sessions, settings)
        self.robots = Sender(self.robot_transport, deps, deps.renderers,
                             platform=ROBOT, pacing=robot_pacing(deps.settings.outbox))
        self.robots.lease = lease
        self._outbox: asyncio.Task[None] | None = None

    def received(self, key: int, message: Message) -> None:
        """Handle a stored message after the callback has answered (the lock keeps a member's
        messages in the order they came)."""
        user = str(message.get("FromUserName", ""))
        lock = self.locks.setdefault(user, asyncio.Lock())
        task = asyncio.get_running_loop().create_task(self._handle(lock, key, message))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _handle(self, lock: asyncio.Lock, key: int, message: Message) -> None:
        async with lock:
            began = time.perf_counter()
            try:
                inbound = inbound_of(message, self.api.media, self.deps.settings.wecom.datum,
                                     self.deps.settings.locale.default)
                if inbound is not None:
                    answer = await dispatch(inbound, self.deps, self.guard)
                    if answer is not None:
                        await self.giver.give(inbound, answer,
                                              await self._language(inbound.who.user_id))
            except Exception:
                # Handled at least once, as on Telegram: the failure is logged and the person
                # told, in their language, to try again.
                log.exception("wecom: handling message %s of %s failed", key,
                              message.get("FromUserName"))
                self.deps.metrics.failures.labels(CHANNEL).inc()
                await self._apologise(message)
            finally:
                await self.inbox.done(key)
                self.deps.metrics.handled(CHANNEL, step_of(message),
                                          time.perf_counter() - began)

    async def _apologise(self, message: Message) -> None:
        user = str(message.get("FromUserName", ""))
        pressed = message.get("MsgType") == "event"
        try:
            t = await self._language(user)
            await tell(self.api, user, t(SORRY_PRESS if pressed else SORRY))
        except Exception:  # the apology itself failed; the log above already says why
            log.warning("wecom: could not tell %s about the failure", user, exc_info=True)

    async def _language(self, user: str) -> Translator:
        """The member's language, once the conversation has committed (a new member's too)."""
        async with self.deps.sessions() as session:
            member = await find_member(session, CHANNEL, user)
        return translator(member.language if member is not None
                          else self.deps.settings.locale.default)

    async def start(self) -> str:
        """Listen at wecom.listen:port, take over what a dead process left; the URL."""
        settings = self.deps.settings.wecom
        self.runner = web.AppRunner(self.app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, settings.listen, settings.port)
        await site.start()
        server = site._server
        port = server.sockets[0].getsockname()[1] if server is not None else settings.port  # type: ignore[attr-defined]
        taken = await self.inbox.take_over(at_start=True)
        for key, payload in zip(taken, await self.inbox.payloads(taken), strict=True):
            self.received(key, payload)
        if taken:
            log.warning("wecom: %d messages stored but never handled are handled now",
                        len(taken))
        self._outbox = asyncio.get_running_loop().create_task(self._send_outbox_forever())
        return f"http://{settings.listen}:{port}{settings.path}"

    async def send_outbox(self) -> int:
        """One run of the outbox for WeCom's members and cells' robots; how many notices were
        settled."""
        return await self.sender.one_run() + await self.robots.one_run()

    async def _send_outbox_forever(self) -> None:
        interval = self.deps.settings.schedule.outbox_interval.total_seconds()
        while True:
            try:
                await self.send_outbox()
            except Exception:  # logged; the rows stay pending for the next run
                log.exception("wecom: the outbox run failed")
            await asyncio.sleep(interval)

    async def idle(self) -> None:
        """Until every message received so far is handled (tests, a graceful stop)."""
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)

    async def stop(self) -> None:
        if self._outbox is not None:
            self._outbox.cancel()
        await self.sender.close()
        await self.robots.close()
        await self.robot_transport.close()
        if self.runner is not None:
            await self.runner.cleanup()
        await self.idle()
        for later in self.giver.later.values():
            later.cancel()
