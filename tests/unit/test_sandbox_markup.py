"""Telegram's HTML as the sandbox parses it: what a bot may send, and where entities land."""

from __future__ import annotations

import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sandbox.telegram.errors import ApiError
from sandbox.telegram.markdown import parse_markdown
from sandbox.telegram.markup import TEXT_LIMIT, parse_html, render
from sandbox.telegram.utf16 import utf16_len


@given(st.text(max_size=300))
def test_escaped_user_text_always_parses_back_to_itself(typed: str) -> None:
    """What a handler does with user input (html.escape) is always accepted, unchanged."""
    text, entities = parse_html(f"<b>{html.escape(typed)}</b>")
    assert text == typed
    assert entities == ([{"type": "bold", "offset": 0, "length": utf16_len(typed)}]
                        if typed else [])


def test_entity_offsets_count_utf16_units() -> None:
    text, entities = parse_html("😀 <i>水源</i> <a href='https://x.org'>link</a>")
    assert text == "😀 水源 link"
    assert entities == [
        {"type": "italic", "offset": 3, "length": 2},  # the emoji is two UTF-16 units
        {"type": "text_link", "offset": 6, "length": 4, "url": "https://x.org"},
    ]


def test_nested_tags_and_language_of_code() -> None:
    text, entities = parse_html('<b>bold <i>both</i></b><pre><code class="language-sql">'
                                "select 1</code></pre>")
    assert text == "bold bothselect 1"
    assert {"type": "bold", "offset": 0, "length": 9} in entities
    assert {"type": "italic", "offset": 5, "length": 4} in entities
    assert any(e["type"] == "code" for e in entities)


def test_length_is_counted_after_parsing_and_trimming() -> None:
    text, _ = render("  <b>" + "a" * TEXT_LIMIT + "</b>\n", "HTML", None, limit=TEXT_LIMIT,
                     what="text", required=True)
    assert len(text) == TEXT_LIMIT
    with pytest.raises(ApiError, match="message is too long"):
        render("a" * (TEXT_LIMIT + 1), None, None, limit=TEXT_LIMIT, what="text", required=True)


def test_commands_links_and_mentions_are_marked_like_telegram_does() -> None:
    text, entities = render("Send /report or see https://example.org/x and ask @water_admin",
                            None, None, limit=TEXT_LIMIT, what="text", required=True)
    found = {(e["type"], text[e["offset"]: e["offset"] + e["length"]]) for e in entities}
    assert found == {("bot_command", "/report"), ("url", "https://example.org/x"),
                     ("mention", "@water_admin")}
    _, inside_code = render("<code>/notacommand</code>", "HTML", None, limit=TEXT_LIMIT,
                            what="text", required=True)
    assert [e["type"] for e in inside_code] == ["code"]


def test_markdown_v2_needs_reserved_characters_escaped() -> None:
    assert parse_markdown("*bold* and \\.", v2=True) == (
        "bold and .", [{"type": "bold", "offset": 0, "length": 4}])
    with pytest.raises(ApiError, match="reserved"):
        parse_markdown("Case No. 5", v2=True)
    with pytest.raises(ApiError, match="can't find end"):
        parse_markdown("*open", v2=True)
