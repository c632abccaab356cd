"""Every message the code can show exists in both catalogues, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir

from services.i18n import read_catalogue, translator

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"t": None, "N_": None}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _code_messages() -> dict[str, str]:
    found: dict[str, str] = {}
    for package in ("bot", "handlers", "services"):
        for filename, lineno, message, _comments, _context in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            if isinstance(message, str) and message:
                found.setdefault(message, f"{package}/{filename}:{lineno}")
    return found


def test_every_message_in_the_code_is_translated_into_chinese_and_english() -> None:
    messages = _code_messages()
    for language in ("zh_CN", "en"):
        catalogue = read_catalogue(language)
        missing = [f"{where}: {msg!r}" for msg, where in messages.items()
                   if not (catalogue.get(msg) and catalogue[msg].string)]
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
