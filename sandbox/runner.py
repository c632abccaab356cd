"""`gridpatrol sandbox`: the emulator's HTTP server and the real bot, pointed at it only
through api_base_url/file_base_url, with the demo personas ready in both."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import Application

from sandbox.server import SandboxServer
from sandbox.telegram.emulator import DEFAULT_TOKEN, BotApiEmulator
from sandbox.telegram.flood import FloodConfig
from sandbox.wecom_members import SandboxApp, WeComBridge
from services.settings import Settings

log = logging.getLogger("gridpatrol.sandbox")
AnyApp = Application[Any, Any, Any, Any, Any, Any]
BuildBot = Callable[[Settings], Awaitable[AnyApp]]
_LEVEL_ROLE = {12: "village_manager", 9: "township_manager", 6: "county_manager"}


@dataclass
class RunningSandbox:
    emulator: BotApiEmulator
    server: SandboxServer
    app: AnyApp | None = None
    cleanups: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    wecom: WeComBridge | None = None  # the WeCom members of the web chat (the real bot only)

    @property
    def url(self) -> str:
        return self.server.url + "/"


def bot_settings(settings: Settings, server: SandboxServer, token: str) -> Settings:
    """The same settings with the bot's Telegram pointed at the sandbox; nothing else changes."""
    telegram = dataclasses.replace(settings.telegram, token=token,
                                   api_base_url=server.api_base_url,
                                   file_base_url=server.file_base_url)
    return dataclasses.replace(settings, telegram=telegram)


def persona_role(role: str, cell_code: str | None) -> str:
    """The web chat's persona kind for a demo member (managers by the level of their cell)."""
    if role == "manager" and cell_code:
        if len(cell_code) == 6 and cell_code.endswith("00"):  # a city (330500), not a county
            return "city_manager"
        return _LEVEL_ROLE.get(len(cell_code), "manager")
    return role


async def _real_bot(settings: Settings, emulator: BotApiEmulator,
                    bridge: WeComBridge) -> tuple[AnyApp, Any]:
    """build_application on a fresh engine, after putting the demo personas in the database
    and giving them accounts in the emulator (the WeCom ones relayed by `bridge`)."""
    from bot.telegram.app import build_application
    from models.db import make_engine, make_session_factory

    engine = make_engine(settings.database.url, echo=settings.database.echo)
    sessions = make_session_factory(engine)
    try:
        from services.demo import DEMO_PERSONAS, DEMO_WECOM_PERSONAS, seed_demo_personas

        async with sessions() as session:
            await seed_demo_personas(session, DEMO_PERSONAS + DEMO_WECOM_PERSONAS)
            await session.commit()
        for spec in DEMO_WECOM_PERSONAS:
            chat_id = bridge.add_member(str(spec.platform_user_id), spec.display_name)
            emulator.state.personas[chat_id] = {
                "role": persona_role(str(spec.role), spec.cell_code), "user_id": chat_id,
                "label": spec.display_name, "channel": "wecom"}
        for spec in DEMO_PERSONAS:
            user_id = int(spec.platform_user_id)
            if user_id not in emulator.state.users:
                emulator.users.create_user(
                    spec.display_name, user_id=user_id,
                    language_code="en" if spec.language == "en" else "zh-hans")
                emulator.users.private_chat(user_id)
            emulator.state.personas[user_id] = {
                "role": persona_role(str(spec.role), spec.cell_code), "user_id": user_id,
                "label": spec.display_name}
    except Exception:  # the sandbox still runs without demo people (e.g. an empty grid)
        log.warning("sandbox: could not create the demo personas", exc_info=True)
    app: AnyApp = build_application(settings, sessions)
    return app, engine


async def start_sandbox(
    settings: Settings,
    *,
    port: int | None = None,
    build_bot: BuildBot | None = None,
    emulator: BotApiEmulator | None = None,
) -> RunningSandbox:
    """Start the server and the bot (polling the server over HTTP like it polls Telegram).

    `build_bot(settings)` replaces the real bot (tests use the echo bot); it gets settings
    whose telegram section points at the sandbox.
    """
    emulator = emulator or BotApiEmulator(
        token=DEFAULT_TOKEN, flood=FloodConfig(enabled=settings.sandbox.flood_limits),
        timezone=settings.locale.timezone)
    wecom = SandboxApp()
    wecom_state = wecom.state()
    server = SandboxServer(emulator, settings.sandbox.host,
                           settings.sandbox.port if port is None else port, wecom=wecom_state)
    await server.start()
    running = RunningSandbox(emulator, server)
    running.cleanups.append(server.stop)
    pointed = bot_settings(settings, server, emulator.token)
    try:
        if build_bot is not None:
            app = await build_bot(pointed)
        else:
            pointed = dataclasses.replace(pointed, wecom=wecom.settings(server.url))
            running.wecom = WeComBridge(emulator, wecom_state, wecom.app())
            app, engine = await _real_bot(pointed, emulator, running.wecom)
            running.cleanups.append(engine.dispose)
        await app.initialize()
        if app.post_init:
            await app.post_init(app)
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(allowed_updates=Update.ALL_TYPES, poll_interval=0.0,
                                        timeout=10)
        if running.wecom is not None:
            await _serve_wecom(running, app)
    except BaseException:
        await stop_sandbox(running)
        raise
    running.app = app
    return running


async def _serve_wecom(running: RunningSandbox, app: AnyApp) -> None:
    """The bot's WeCom channel beside its Telegram, as `gridpatrol run` has it."""
    from bot.wecom.service import WeComService

    assert running.wecom is not None
    service = WeComService(app.bot_data["deps"])
    running.cleanups.append(service.stop)
    running.wecom.connect(await service.start())
    running.cleanups.append(running.wecom.close)


async def stop_sandbox(running: RunningSandbox) -> None:
    app = running.app
    if app is not None:
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
            if app.post_stop:  # as run_polling does: the outbox's sends in flight finish
                await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)
        running.app = None
    for cleanup in reversed(running.cleanups):
        await cleanup()
    running.cleanups.clear()


async def run_sandbox(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    """What `gridpatrol sandbox` runs: start everything, print the URL, run until stopped."""
    try:
        running = await start_sandbox(settings)
    except OSError as exc:  # most often: the port is taken
        raise SystemExit(
            f"sandbox: cannot listen on {settings.sandbox.host}:{settings.sandbox.port}: "
            f"{exc.strerror or exc}; set [sandbox] port in the config"
        ) from None
    print(f"GridPatrol sandbox: open {running.url} in a browser (Ctrl-C to stop)", flush=True)
    try:
        await (stop or asyncio.Event()).wait()
    finally:
        await stop_sandbox(running)
