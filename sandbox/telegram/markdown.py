"""Telegram's Markdown and MarkdownV2, close enough to catch an unescaped reserved character."""

from __future__ import annotations

from typing import Any

from sandbox.telegram.errors import bad_request
from sandbox.telegram.utf16 import utf16_len

_RESERVED_V2 = set("_*[]()~`>#+-=|{}.!")
_V2_MARKS = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough", "||": "spoiler"}
_V1_MARKS = {"*": "bold", "_": "italic"}


def parse_markdown(source: str, *, v2: bool) -> tuple[str, list[dict[str, Any]]]:
    """(plain text, entities); an ApiError for what Telegram refuses to parse."""
    marks = _V2_MARKS if v2 else _V1_MARKS
    out: list[str] = []
    length16 = 0
    entities: list[dict[str, Any]] = []
    open_marks: dict[str, int] = {}
    i = 0

    def emit(text: str) -> None:
        nonlocal length16
        out.append(text)
        length16 += utf16_len(text)

    while i < len(source):
        ch = source[i]
        if ch == "\\" and v2 and i + 1 < len(source):
            emit(source[i + 1])
            i += 2
            continue
        if ch == "`":
            fence = "```" if source.startswith("```", i) else "`"
            end = source.find(fence, i + len(fence))
            if end < 0:
                raise bad_request(f"can't parse entities: can't find end of the entity at {i}")
            body = source[i + len(fence) : end]
            kind = "pre" if fence == "```" else "code"
            if kind == "pre" and "\n" in body:
                body = body.split("\n", 1)[1] if body.split("\n", 1)[0].strip() else body[1:]
            start = length16
            emit(body)
            if body:
                entities.append({"type": kind, "offset": start, "length": length16 - start})
            i = end + len(fence)
            continue
        if ch == "[":
            close = source.find("](", i)
            end = source.find(")", close + 2) if close >= 0 else -1
            if close < 0 or end < 0:
                if v2:
                    raise _reserved(ch, i)
                emit(ch)
                i += 1
                continue
            label = source[i + 1 : close].replace("\\", "")
            start = length16
            emit(label)
            url = source[close + 2 : end].replace("\\", "")
            entities.append({"type": "text_link", "offset": start, "length": length16 - start,
                             "url": url})
            i = end + 1
            continue
        mark = source[i : i + 2] if source[i : i + 2] in marks else ch
        if mark in marks:
            if mark in open_marks:
                start = open_marks.pop(mark)
                if length16 > start:
                    entities.append({"type": marks[mark], "offset": start,
                                     "length": length16 - start})
            else:
                open_marks[mark] = length16
            i += len(mark)
            continue
        if v2 and ch in _RESERVED_V2:
            raise _reserved(ch, i)
        emit(ch)
        i += 1
    if open_marks:
        raise bad_request(
            f"can't parse entities: can't find end of {marks[next(iter(open_marks))]} entity"
        )
    return "".join(out), entities


def _reserved(ch: str, at: int) -> Exception:
    return bad_request(
        f"can't parse entities: character '{ch}' is reserved and must be escaped with the "
        f"preceding '\\' (at {at})"
    )
