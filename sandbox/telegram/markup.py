"""Telegram's HTML formatting, parsed the way the Bot API does it (tdlib's rules, stricter on
named entities): text plus MessageEntity offsets in UTF-16 units, or the reason it fails."""

from __future__ import annotations

import re
from typing import Any

from sandbox.telegram.errors import ApiError, bad_request
from sandbox.telegram.markdown import parse_markdown
from sandbox.telegram.utf16 import utf16_len

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024

_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_ALL_TAGS = {*_SIMPLE_TAGS, "span", "a", "tg-emoji"}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+[^<>]*?)?)\s*(/?)>")
_ATTR = re.compile(r"([A-Za-z-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+))")
_ENTITY = re.compile(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")


_AUTO = re.compile(
    r"(?P<bot_command>(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{5,32})?(?![\w/]))"
    r"|(?P<url>\bhttps?://[^\s<>\"]+[^\s<>\".,;:!?)\]])"
    r"|(?P<mention>(?<!\w)@[A-Za-z][A-Za-z0-9_]{4,31}\b)"
    r"|(?P<hashtag>(?<![\w#])#\w*[^\W\d_]\w*)"
)
_NO_AUTO = {"code", "pre", "text_link", "url", "bot_command", "mention", "hashtag"}


def auto_entities(text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Telegram's server marks commands, links, mentions and hashtags in every message;
    not inside code or links that are already there."""
    taken = [(e["offset"], e["offset"] + e["length"]) for e in entities if e["type"] in _NO_AUTO]
    found: list[dict[str, Any]] = []
    for match in _AUTO.finditer(text):
        kind = match.lastgroup or "url"
        start = utf16_len(text[: match.start()])
        length = utf16_len(match.group())
        if any(a < start + length and start < b for a, b in taken):
            continue
        found.append({"type": kind, "offset": start, "length": length})
    merged = entities + found
    merged.sort(key=lambda e: (e["offset"], -e["length"]))
    return merged


def _unescape(chunk: str, base: int) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("#"):
            code = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
            if not 0 < code <= 0x10FFFF:
                raise _parse_error(f"invalid numeric entity &{name};", base + match.start())
            return chr(code)
        if name in _NAMED:
            return _NAMED[name]
        raise _parse_error(f"unsupported HTML entity &{name};", base + match.start())

    return _ENTITY.sub(replace, chunk)


def _parse_error(reason: str, char_offset: int) -> ApiError:
    return bad_request(f"can't parse entities: {reason} at offset {char_offset}")


def _attrs(raw: str) -> dict[str, str]:
    return {m.group(1).lower(): m.group(2) or m.group(3) or m.group(4) or "" for m in
            _ATTR.finditer(raw)}


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """(plain text, entities) for a parse_mode=HTML text, or an ApiError like Telegram's."""
    out: list[str] = []
    length16 = 0
    entities: list[dict[str, Any]] = []
    stack: list[tuple[str, int, dict[str, str]]] = []
    pos = 0
    while pos < len(source):
        lt = source.find("<", pos)
        chunk = source[pos : lt if lt >= 0 else len(source)]
        text = _unescape(chunk, pos)
        out.append(text)
        length16 += utf16_len(text)
        if lt < 0:
            break
        match = _TAG.match(source, lt)
        if not match:
            raise _parse_error("unclosed start tag or a bare '<'", lt)
        closing, name, raw_attrs = match.group(1) == "/", match.group(2).lower(), match.group(3)
        if name not in _ALL_TAGS:
            raise _parse_error(f'unsupported start tag "{name}"', lt)
        if closing:
            if not stack:
                raise _parse_error(f'unexpected end tag "{name}"', lt)
            open_name, start, attrs = stack.pop()
            if open_name != name:
                raise _parse_error(
                    f'unmatched end tag, expected "</{open_name}>", found "</{name}>"', lt
                )
            entity = _entity_for(open_name, attrs, start, length16 - start, lt)
            if entity is not None:
                entities.append(entity)
        else:
            attrs = _attrs(raw_attrs or "")
            if name == "span" and attrs.get("class") != "tg-spoiler":
                raise _parse_error('tag "span" must have class "tg-spoiler"', lt)
            if name == "a" and "href" not in attrs:
                raise _parse_error('tag "a" must have attribute "href"', lt)
            if name == "tg-emoji" and "emoji-id" not in attrs:
                raise _parse_error('tag "tg-emoji" must have attribute "emoji-id"', lt)
            if match.group(4):
                raise _parse_error(f'self-closing tag "{name}" is not supported', lt)
            stack.append((name, length16, attrs))
        pos = match.end()
    if stack:
        raise bad_request(
            "can't parse entities: can't find end tag corresponding to start tag "
            f'"{stack[-1][0]}"'
        )
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _entity_for(
    name: str, attrs: dict[str, str], offset: int, length: int, at: int
) -> dict[str, Any] | None:
    if length == 0:
        return None  # Telegram drops empty entities
    if name == "span":
        return {"type": "spoiler", "offset": offset, "length": length}
    if name == "a":
        href = _unescape(attrs["href"], at)
        return {"type": "text_link", "offset": offset, "length": length, "url": href}
    if name == "tg-emoji":
        return {
            "type": "custom_emoji",
            "offset": offset,
            "length": length,
            "custom_emoji_id": attrs["emoji-id"],
        }
    entity: dict[str, Any] = {"type": _SIMPLE_TAGS[name], "offset": offset, "length": length}
    if name == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    if name == "pre" and attrs.get("class", "").startswith("language-"):
        entity["language"] = attrs["class"][len("language-") :]
    return entity


def _strip(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Telegram trims surrounding whitespace after parsing; entities move with the text."""
    head = len(text) - len(text.lstrip())
    shift = utf16_len(text[:head])
    stripped = text.strip()
    total = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] - shift + entity["length"], total)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


def _check_entities(text: str, entities: Any) -> list[dict[str, Any]]:
    total = utf16_len(text)
    checked: list[dict[str, Any]] = []
    for entity in entities or []:
        offset, length = entity.get("offset", -1), entity.get("length", 0)
        if offset < 0 or length <= 0 or offset + length > total:
            raise bad_request("can't parse entities: entity beyond the end of the text")
        checked.append(entity)
    return checked


def render(
    raw: str | None,
    parse_mode: str | None,
    entities: Any,
    *,
    limit: int,
    what: str,
    required: bool,
) -> tuple[str, list[dict[str, Any]]]:
    """Text and entities as Telegram would store them; refuse what Telegram would refuse.

    `what` is "text" or "caption" (Telegram's words in its errors); a caption may be empty.
    """
    raw = raw or ""
    mode = (parse_mode or "").lower()
    if mode == "html":
        text, parsed = parse_html(raw)
    elif mode in ("markdown", "markdownv2"):
        text, parsed = parse_markdown(raw, v2=mode == "markdownv2")
    elif mode:
        raise bad_request(f"unsupported parse_mode {parse_mode!r}")
    else:
        text, parsed = raw, _check_entities(raw, entities)
    text, parsed = _strip(text, parsed)
    parsed = auto_entities(text, parsed)
    if required and not text:
        raise bad_request("message text is empty")
    if utf16_len(text) > limit:
        if what == "caption":
            raise bad_request("message caption is too long")
        raise bad_request("message is too long")
    return text, parsed
