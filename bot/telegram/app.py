"""The composition root: build the Application, its dependencies, handlers and jobs."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from sqlalchemy import select
from telegram import BotCommand, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ApplicationBuilder, ContextTypes, TypeHandler
from telegram.request import BaseRequest

from bot.jobs import add_jobs
from bot.outbox import recover_interrupted, settle_uncertain
from bot.outbox.pacing import Pacer
from bot.runtime import LEASE_KEY, Lease, bind_case, lease_of, settle_dead_claims
from bot.telegram import add_handlers, menu_commands
from bot.telegram.context import Ctx, GridApp
from bot.telegram.inbound import CHANNEL
from bot.telegram.inbox import InboxApplication, InboxQueue, attach_inbox, recover_inbox
from bot.telegram.outbox import RENDERERS_KEY, close_sender
from bot.telegram.pace import PACER_KEY, ReplyPacing
from bot.telegram.processor import ChatOrder
from handlers import order
from handlers.deps import Deps
from handlers.notices import RENDERERS
from handlers.notices.cards import parse_callback
from handlers.words import SORRY, SORRY_PRESS
from models import Case
from models.db import SessionFactory
from services.grid import GridIndexHolder
from services.i18n import normalize, translator
from services.notices.card import Renderers
from services.settings import Settings

log = logging.getLogger(__name__)

MENU_LANGUAGES = (("zh", "zh_CN"), ("en", "en"))


def build_application(
    settings: Settings,
    sessions: SessionFactory,
    *,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    lease: Lease | None = None,
    renderers: Renderers = RENDERERS,
) -> GridApp:
    """The bot, wired: Deps in bot_data, every handler, the outbox job, one error handler.

    `request`/`get_updates_request` let tests and the sandbox put a Bot API stand-in under it.
    `lease` (the service's, from `bot.webhook.run_bot`) makes it one of several processes: only
    the lease holder sweeps and sends digests, and only dead processes' sends are settled.
    `renderers` is the outbox's table of which renderer draws which notice kind (tests add
    kinds of their own).
    """
    if not settings.telegram.token:
        raise ValueError(
            f"{settings.source}: telegram.token: no bot token "
            "(set GRIDPATROL_TELEGRAM_TOKEN, or run `gridpatrol sandbox`)"
        )
    pacer = Pacer(settings.outbox)
    replies = ReplyPacing(pacer)
    builder = (
        ApplicationBuilder()
        .token(settings.telegram.token)
        .base_url(settings.telegram.api_base_url)
        .base_file_url(settings.telegram.file_base_url)
        .context_types(ContextTypes(context=Ctx))
        .post_init(_post_init)
        .post_stop(_post_stop)
        .application_class(InboxApplication)
        .update_queue(InboxQueue())  # every update stored before it is acknowledged
        .concurrent_updates(ChatOrder(settings.telegram.concurrent_updates))
        .rate_limiter(replies)  # replies on the pace the outbox keeps
    )
    if request is not None:
        builder = builder.request(request)
    if get_updates_request is not None:
        builder = builder.get_updates_request(get_updates_request)
    app: GridApp = builder.build()
    app.bot_data["deps"] = Deps(settings=settings, sessions=sessions, grid=GridIndexHolder(),
                                renderers=renderers)
    app.bot_data[RENDERERS_KEY] = renderers  # the outbox sender draws notices with these
    app.bot_data[PACER_KEY] = pacer
    metrics = app.bot_data["deps"].metrics
    replies.on_flood = lambda: metrics.flood_waits.labels(CHANNEL).inc()
    if lease is not None:
        app.bot_data[LEASE_KEY] = lease
    app.add_handler(TypeHandler(Update, _bind_case), group=order.CASE_LOG)
    add_handlers(app)
    app.add_error_handler(on_error)
    add_jobs(app)
    attach_inbox(app, sessions, settings.telegram.token)
    return app


async def _post_init(app: GridApp) -> None:
    """Load the grid index, settle interrupted and uncertain sends, and set the command menu per
    language."""
    deps: Deps = app.bot_data["deps"]
    async with deps.sessions() as session:
        index = await deps.grid.reload(session)
    log.info("grid index loaded: %d cells", len(index))
    lease = lease_of(app.bot_data)
    if lease is None:
        interrupted = await recover_interrupted(deps)
    else:
        await lease.start()
        interrupted = await settle_dead_claims(deps.sessions, lease, at_start=True)
    if interrupted:
        log.warning("%d notices were interrupted while sending; marked uncertain", interrupted)
    await settle_uncertain(deps)  # each by its kind's rule, before the first drain
    await recover_inbox(app, at_start=True)  # presses a killed process had taken in: handled now
    await set_commands(app, deps.settings)


async def _post_stop(app: GridApp) -> None:
    """A graceful stop: the outbox's sends on the wire finish, the rest go back to pending."""
    await close_sender(app, app.bot_data["deps"])


async def _bind_case(update: object, ctx: Ctx) -> None:
    """Log lines while handling this update carry the case it is about, when it names one."""
    bind_case(None)
    if not isinstance(update, Update):
        return
    query = update.callback_query
    parsed = parse_callback(query.data) if query is not None else None
    if parsed is not None:
        async with ctx.deps.sessions() as session:
            number = await session.scalar(select(Case.number).where(Case.id == parsed[0]))
        bind_case(number or f"case id {parsed[0]}")
        return
    message = update.effective_message
    words = (message.text or message.caption or "") if message is not None else ""
    prefix = re.escape(ctx.deps.settings.cases.number_prefix)
    found = re.search(rf"\b{prefix}-\d{{4}}-\d+\b", words) if words else None
    if found:
        bind_case(found.group(0))


async def set_commands(app: GridApp, settings: Settings) -> None:
    """The general command list (Telegram cannot scope menus by our roles) in each language."""
    commands = menu_commands()
    for code, language in (*MENU_LANGUAGES, (None, settings.locale.default)):
        t = translator(language)
        await app.bot.set_my_commands(
            [BotCommand(command, t(description)) for command, description in commands],
            language_code=code,
        )


async def on_error(update: object, ctx: Ctx) -> None:
    """Log the exception with the update that caused it, and apologise to the user."""
    error = ctx.error
    ctx.deps.metrics.failures.labels(CHANNEL).inc()
    described: Any = update.to_dict() if isinstance(update, Update) else str(update)
    log.error(
        "error while handling an update: %s\nupdate = %s",
        error,
        json.dumps(described, ensure_ascii=False, default=str)[:4000],
        exc_info=error,
    )
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    user = update.effective_user
    t = translator(normalize(user.language_code if user else None, _default_language(ctx)))
    try:
        if update.callback_query is not None:
            try:
                await update.callback_query.answer(t(SORRY_PRESS), show_alert=True)
                return
            except BadRequest:  # answered before the failure, or too old: say it in the chat
                await update.effective_chat.send_message(t(SORRY_PRESS))
                return
        await update.effective_chat.send_message(t(SORRY), parse_mode=ParseMode.HTML)
    except Exception:  # the apology itself failed; the log above already says why
        log.warning("could not tell the user about the error", exc_info=True)


def _default_language(ctx: Ctx) -> str:
    try:
        return ctx.deps.settings.locale.default
    except RuntimeError:
        return "zh_CN"
