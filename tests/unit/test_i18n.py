"""Every message the code can show exists in both catalogues, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir

from services.i18n import read_catalogue, translator

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS: dict[str, tuple[int, ...] | None] = {"t": None, "N_": None, "n": (1, 2)}  # t.n()
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _code_messages() -> dict[str | tuple[str, str], str]:
    """Every msgid the code names (a plural one as its two English forms), and where."""
    found: dict[str | tuple[str, str], str] = {}
    for package in ("bot", "handlers", "services"):
        for filename, lineno, message, _comments, _context in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            key: str | tuple[str, str] | None = None
            if isinstance(message, str) and message:
                key = message
            elif isinstance(message, tuple) and len(message) == 2 and all(message):
                key = (str(message[0]), str(message[1]))
            if key is not None:
                found.setdefault(key, f"{package}/{filename}:{lineno}")
    return found


def _translated(catalogue: Catalog, msg: str | tuple[str, str]) -> bool:
    entry = catalogue.get(msg[0] if isinstance(msg, tuple) else msg)
    if entry is None or not entry.string:
        return False
    if isinstance(msg, tuple):  # plural in the code, so plural (and the same forms) here
        return isinstance(entry.id, (tuple, list)) and tuple(entry.id) == msg
    return isinstance(entry.id, str)


def test_every_message_in_the_code_is_translated_into_chinese_and_english() -> None:
    messages = _code_messages()
    assert any(isinstance(m, tuple) for m in messages), "t.n(...) plural messages are seen"
    for language in ("zh_CN", "en"):
        catalogue = read_catalogue(language)
        missing = [f"{where}: {msg!r}" for msg, where in messages.items()
                   if not _translated(catalogue, msg)]
        assert not missing, f"{language} lacks {len(missing)} messages:\n" + "\n".join(missing[:40])


def test_translations_keep_the_placeholders_of_their_source() -> None:
    for language in ("zh_CN", "en"):
        for message in read_catalogue(language):
            if not message.id or not isinstance(message.id, str):
                continue
            assert isinstance(message.string, str)
            source, target = PLACEHOLDER.findall(message.id), PLACEHOLDER.findall(message.string)
            assert set(source) == set(target), f"{language}: {message.id!r} -> {message.string!r}"


def test_chinese_is_the_default_and_unknown_languages_fall_back_to_it() -> None:
    assert translator("fr").language == "zh_CN"
