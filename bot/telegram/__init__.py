"""The Telegram adapter: updates turned into the conversations' Inbound (`inbound`), their
Answer given through the Bot API (`answer`), the report conversation's handlers (`report`) and
the registration of every handler (`wiring`)."""

from bot.telegram.wiring import add_handlers, menu_commands

__all__ = ["add_handlers", "menu_commands"]
