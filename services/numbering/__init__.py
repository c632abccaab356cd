"""Numbers that run without gaps: each series counts per year, and a number is taken inside the
transaction that stores its document, so a rolled-back issue gives its number back."""

from services.numbering.counter import Series, format_number, next_number

__all__ = ["Series", "format_number", "next_number"]
