"""WeCom's limits, in UTF-8 bytes where WeCom counts bytes (a Chinese character is three), and
text cut to them on a character's edge, preferably a line's, so nothing is lost to WeCom's
silent truncation."""

from __future__ import annotations

import unicodedata

TEXT_BYTES = 2048  # text and markdown messages; longer text is cut off by WeCom, not refused
CARD_BUTTONS = 6  # button_interaction
BUTTON_KEY_BYTES = 1024  # a button's key, which comes back as EventKey
TASK_ID_BYTES = 128  # [0-9A-Za-z_-@], unique within the app
PER_MEMBER_PER_MINUTE = 30  # past this WeCom answers ok and drops the message
PER_ROBOT_PER_MINUTE = 20
BUTTON_WIDTH = 10  # WeCom's advice for a card button: at most ten 字 (a Latin letter is half)


def width(text: str) -> float:
    """Text as wide as WeCom's 字 count it: a Chinese character (or an emoji) is one, a Latin
    letter or a space half."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.5 for c in text)


def within_width(text: str, limit: float = BUTTON_WIDTH) -> str:
    """`text` whole when it fits `limit`, else cut with an ellipsis, at a space where one is in
    reach (so an English label loses whole words, not half of one)."""
    if width(text) <= limit:
        return text
    kept = ""
    for char in text:
        if width(kept + char) > limit - 0.5:
            break
        kept += char
    space = kept.rfind(" ")
    if space >= len(kept) // 2:
        kept = kept[:space]
    return kept.rstrip() + "…"


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def split_bytes(text: str, limit: int = TEXT_BYTES) -> list[str]:
    """`text` in pieces of at most `limit` UTF-8 bytes: at a line break where one is in reach,
    else at a character's edge; nothing dropped, nothing cut inside a character."""
    if limit < 4:
        raise ValueError("a piece must hold at least one character")
    pieces: list[str] = []
    rest = text
    while utf8_len(rest) > limit:
        head = rest.encode("utf-8")[:limit].decode("utf-8", errors="ignore")
        cut = head.rfind("\n")
        if cut > 0:
            pieces.append(head[:cut])
            rest = rest[cut + 1:]
        else:
            pieces.append(head)
            rest = rest[len(head):]
    if rest or not pieces:
        pieces.append(rest)
    return pieces
