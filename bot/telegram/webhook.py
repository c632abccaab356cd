"""`gridpatrol run [--webhook]`: the bot as a service, until SIGTERM (or Ctrl-C).

Webhook mode is PTB's `run_webhook`: its own tornado server on webhook.listen:port takes the
updates Telegram posts to webhook.url (the path of that URL, behind a reverse proxy) and
refuses (403) a request without the right X-Telegram-Bot-Api-Secret-Token. Both modes stop on
SIGTERM the PTB way: no new updates, the update in hand and the running jobs (an outbox batch
in flight) finish, then the lease, the health endpoint and the database are let go.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from telegram import Bot, Update
from telegram.error import InvalidToken, TelegramError
from telegram.request import HTTPXRequest

from bot.open311 import Open311Server
from bot.runtime import HealthServer, Lease, setup_logging
from bot.telegram.app import build_application
from bot.telegram.context import GridApp
from models.db import make_engine, make_session_factory
from services.settings import Settings

_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts as a secret_token
BOOTSTRAP_RETRIES = 3  # setWebhook tried a few times: Telegram may be slow at a restart


def webhook_problem(settings: Settings) -> str | None:
    """Why webhook mode cannot start with this configuration (one line), or None."""
    hook = settings.webhook
    if not hook.secret_token:
        return (
            f"{settings.source}: webhook.secret_token: webhook mode needs a secret "
            "(set GRIDPATROL_WEBHOOK_SECRET); without it anyone could post updates"
        )
    if not _SECRET.match(hook.secret_token):
        return (
            f"{settings.source}: webhook.secret_token: 1-256 characters of A-Z, a-z, 0-9, _ "
            "and - (Telegram's rule)"
        )
    if not hook.url.startswith("https://"):
        return (
            f"{settings.source}: webhook.url: the public https:// URL Telegram posts to is "
            "needed (for example https://bot.example.org/telegram)"
        )
    return None


def url_path(settings: Settings) -> str:
    """The local path updates arrive on: the public URL's path (the proxy keeps it)."""
    return urlsplit(settings.webhook.url).path or "/"


def run_bot(settings: Settings, *, webhook: bool) -> None:
    """Run until stopped; PTB owns the event loop here."""
    setup_logging(settings.logging)
    engine = make_engine(settings.database.url, echo=settings.database.echo)
    sessions = make_session_factory(engine)
    lease = Lease(settings.database.url)
    app: GridApp = build_application(settings, sessions, lease=lease)
    hook = settings.webhook
    health = (
        HealthServer(hook.listen, hook.health_port, sessions, lease, app.bot_data["deps"].metrics)
        if hook.health_port else None
    )
    open311 = (Open311Server(settings, sessions, app.bot_data["deps"].grid)
               if settings.open311.enabled else None)
    initialise, finish = app.post_init, app.post_stop
    wecom = None
    if settings.wecom.enabled:  # the WeCom app beside Telegram, on the same loop and core
        from bot.wecom.service import WeComService

        wecom = WeComService(app.bot_data["deps"], lease)

    async def started(application: GridApp) -> None:
        if initialise is not None:
            await initialise(application)
        if wecom is not None:
            await wecom.start()
        if health is not None:
            await health.start()
        if open311 is not None:
            await open311.start()

    async def finishing(application: GridApp) -> None:
        if wecom is not None:
            await wecom.stop()
        if finish is not None:
            await finish(application)

    async def stopped(_application: GridApp) -> None:
        if open311 is not None:
            await open311.stop()
        if health is not None:
            await health.stop()
        await lease.close()
        await engine.dispose()

    app.post_init = started
    app.post_stop = finishing
    app.post_shutdown = stopped
    if not webhook:
        app.run_polling(allowed_updates=Update.ALL_TYPES)
        return
    app.run_webhook(
        listen=hook.listen,
        port=hook.port,
        url_path=url_path(settings),
        webhook_url=hook.url,
        secret_token=hook.secret_token,
        allowed_updates=Update.ALL_TYPES,
        bootstrap_retries=BOOTSTRAP_RETRIES,
    )


class BotRefused(Exception):
    """Telegram would not run the bot (its token refused, its webhook refused): one line."""


def run_or_refuse(settings: Settings, *, webhook: bool) -> None:
    """`run_bot`, with Telegram's refusals told in one line (PTB's repeats the token)."""
    try:
        run_bot(settings, webhook=webhook)
    except InvalidToken:
        raise BotRefused(
            "telegram: the bot token was refused (check GRIDPATROL_TELEGRAM_TOKEN)") from None
    except TelegramError as exc:  # at start: Telegram refusing the webhook, say
        raise BotRefused(f"telegram: {exc}") from None


async def bot_username(settings: Settings) -> str | None:
    """From config; else ask Telegram (getMe) when a token is set; else None."""
    if settings.telegram.bot_username:
        return settings.telegram.bot_username.lstrip("@")
    if not settings.telegram.token:
        return None
    bot = Bot(
        settings.telegram.token,
        base_url=settings.telegram.api_base_url,
        base_file_url=settings.telegram.file_base_url,
        request=HTTPXRequest(connect_timeout=5, read_timeout=5),
    )
    try:
        async with bot:
            return bot.username
    except TelegramError:
        return None
