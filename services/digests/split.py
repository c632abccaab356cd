"""A long digest cut into messages at line boundaries, within a chat's bound (Telegram counts
UTF-16 units)."""

from __future__ import annotations


def utf16_len(text: str) -> int:
    """Telegram measures text in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def split_message(text: str, limit: int = 4096) -> list[str]:
    """Split at line boundaries into parts of at most `limit` UTF-16 units (a line longer than
    the limit on its own is cut inside)."""
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for line in text.split("\n"):
        while utf16_len(line) > limit:
            if current:
                parts.append("\n".join(current))
                current, size = [], 0
            cut = limit
            while utf16_len(line[:cut]) > limit:
                cut -= 1
            parts.append(line[:cut])
            line = line[cut:]
        extra = utf16_len(line) + (1 if current else 0)
        if current and size + extra > limit:
            parts.append("\n".join(current))
            current, size = [], 0
            extra = utf16_len(line)
        current.append(line)
        size += extra
    if current and (any(current) or not parts):
        parts.append("\n".join(current))
    return parts
