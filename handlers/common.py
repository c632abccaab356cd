"""What every handler module that talks to Telegram shares: who is talking, in which language,
answering in the chat, and the gate before every command."""

from __future__ import annotations

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    LinkPreviewOptions,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
    User,
)
from telegram.constants import ParseMode

from handlers.chat import Keyboard, Reply
from handlers.context import Ctx
from handlers.words import DEACTIVATED, START_FIRST
from models import Member
from services.i18n import Translator, normalize, translator
from services.members import find_member
from services.notices.card import Buttons

PLATFORM = "telegram"
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)  # a card's map link is not the point

def markup(buttons: Buttons) -> InlineKeyboardMarkup | None:
    """A Card's buttons as Telegram's, for a handler that answers in the chat itself."""
    if not buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.data)
                                  for b in row] for row in buttons])


TelegramMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


def keyboard_markup(keyboard: Keyboard) -> ReplyKeyboardMarkup | ReplyKeyboardRemove:
    """A keyboard under the text field as Telegram's (no rows: remove it)."""
    if not keyboard.rows:
        return ReplyKeyboardRemove()
    rows = [[KeyboardButton(key.label, request_location=key.location or None) for key in row]
            for row in keyboard.rows]
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=keyboard.once or None,
                               is_persistent=keyboard.persistent or None)


def reply_markup(reply: Reply) -> TelegramMarkup | None:
    """A reply's buttons or keyboard as Telegram's reply_markup."""
    if reply.keyboard is not None:
        return keyboard_markup(reply.keyboard)
    return markup(reply.buttons)


def display_name(user: User) -> str:
    return user.full_name or user.username or str(user.id)


def language_of(update: Update, ctx: Ctx, member: Member | None = None) -> str:
    """The member's chosen language, else Telegram's language_code, else the configured default."""
    if member is not None:
        return member.language
    user = update.effective_user
    return normalize(user.language_code if user else None, ctx.deps.settings.locale.default)


def tr(update: Update, ctx: Ctx, member: Member | None = None) -> Translator:
    return translator(language_of(update, ctx, member))


async def load_member(update: Update, ctx: Ctx) -> Member | None:
    """The registered member behind this update (detached; reload it to change it)."""
    user = update.effective_user
    if user is None:
        return None
    async with ctx.deps.sessions() as session:
        return await find_member(session, PLATFORM, user.id)


async def reply(update: Update, text: str, keyboard: InlineKeyboardMarkup | None = None) -> None:
    """Answer in the chat the update came from, as HTML."""
    chat = update.effective_chat
    if chat is not None:
        await chat.send_message(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)


async def tell_to_start(update: Update, ctx: Ctx) -> None:
    t = tr(update, ctx)
    await reply(update, t(START_FIRST))


async def require_member(update: Update, ctx: Ctx) -> Member | None:
    """The member, or None after telling an unregistered user to /start."""
    member = await load_member(update, ctx)
    if member is None:
        await tell_to_start(update, ctx)
    return member


async def tell_deactivated(update: Update, ctx: Ctx, member: Member) -> None:
    text = tr(update, ctx, member)(DEACTIVATED)
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    else:
        await reply(update, text)
