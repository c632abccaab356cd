"""A tiny bot that exercises the sandbox itself (tests, and a demo when the real bot is absent)."""

from __future__ import annotations

import html
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

Ctx = ContextTypes.DEFAULT_TYPE


async def start(update: Update, context: Ctx) -> None:
    assert update.message and update.effective_user
    name = html.escape(update.effective_user.first_name)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Press me", callback_data="pressed")]])
    await update.message.reply_html(f"Welcome, <b>{name}</b>!", reply_markup=keyboard)
    await update.message.reply_text(
        "Where are you?",
        reply_markup=ReplyKeyboardMarkup(
            [[KeyboardButton("Share location", request_location=True)]], resize_keyboard=True
        ),
    )


async def pressed(update: Update, context: Ctx) -> None:
    query = update.callback_query
    assert query
    await query.answer("Got it")
    await query.edit_message_text("You pressed the button.")


async def echo(update: Update, context: Ctx) -> None:
    assert update.message and update.message.text
    await update.message.reply_text(f"echo: {update.message.text}")


async def photo(update: Update, context: Ctx) -> None:
    assert update.message and update.message.photo
    largest = update.message.photo[-1]
    data = await (await largest.get_file()).download_as_bytearray()
    await update.message.reply_text(
        f"photo {largest.width}x{largest.height}, {len(update.message.photo)} sizes, "
        f"{len(data)} bytes, group {update.message.media_group_id}"
    )


async def document(update: Update, context: Ctx) -> None:
    assert update.message and update.message.document
    data = await (await update.message.document.get_file()).download_as_bytearray()
    await update.message.reply_text(f"file {update.message.document.file_name}: {len(data)} bytes")


async def location(update: Update, context: Ctx) -> None:
    assert update.effective_message and update.effective_message.location
    loc = update.effective_message.location
    kind = "moved" if update.edited_message else "at"
    await update.effective_message.reply_text(f"{kind} {loc.latitude:.4f},{loc.longitude:.4f}")


def add_echo_handlers(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed, pattern="^pressed$"))
    app.add_handler(MessageHandler(filters.LOCATION, location))
    app.add_handler(MessageHandler(filters.PHOTO, photo))
    app.add_handler(MessageHandler(filters.Document.ALL, document))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
