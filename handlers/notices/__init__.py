"""What the bot shows of a notice, in no chat's terms: every kind drawn as a channel-neutral
Card (services/notices/card.py) by its renderer in one explicit table (`table`), the case card
they share with the commands (`cards`), and the redrawing of posted cards (`refresh`). Nothing
here imports a chat library; the transports turn the Cards into messages."""

from handlers.notices.table import DRAWN, RENDERERS, UNSENT, with_edits

__all__ = ["DRAWN", "RENDERERS", "UNSENT", "with_edits"]
