"""Lengths as Telegram counts them: entity offsets and text limits are in UTF-16 code units."""

from __future__ import annotations


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
