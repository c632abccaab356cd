"""The neutral buttons and keyboards (services.notices.card, handlers.chat) as Telegram's
reply markup, and Telegram's deep link (t.me/<bot>?start=…)."""

from __future__ import annotations

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    LinkPreviewOptions,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from handlers.chat import DeepLink, Keyboard, Reply
from services.notices.card import Buttons

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)  # a card's map link is not the point
TelegramMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


def markup(buttons: Buttons) -> InlineKeyboardMarkup | None:
    """A Card's buttons as an inline keyboard (None for none)."""
    if not buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.data)
                                  for b in row] for row in buttons])


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


def deep_link(bot: Bot) -> DeepLink:
    """Links that open a private chat with the bot (or add it to a group) at a payload; the
    bot's name is read when a link is made, after the bot has introduced itself."""

    def link(payload: str, for_group: bool) -> str:
        return f"https://t.me/{bot.username}?{'startgroup' if for_group else 'start'}={payload}"

    return link
