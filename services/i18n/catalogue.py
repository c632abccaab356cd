"""Translations from the gettext catalogues in locales/, package data beside this module: read
from the .po files and compiled in memory, so no .mo needs building, shipping or keeping fresh."""

from __future__ import annotations

import gettext
import re
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from io import BytesIO

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_compact_decimal

LOCALES_DIR: Traversable = resources.files("services.i18n") / "locales"
DOMAIN = "gridpatrol"
SUPPORTED = ("zh_CN", "en")
DEFAULT = "zh_CN"


def N_(message: str) -> str:
    """Marks a string for extraction without translating it (translated where it is shown)."""
    return message


def normalize(language_code: str | None, default: str = DEFAULT) -> str:
    """Telegram's language_code ('zh-hans', 'en-US', None) -> one of SUPPORTED."""
    if not language_code:
        return default
    code = language_code.replace("-", "_").lower()
    if code.startswith("zh"):
        return "zh_CN"
    if code.startswith("en"):
        return "en"
    return default


_DIGIT_BEFORE_CJK = re.compile(r"(?<=\d)(?=[\u4e00-\u9fff])")


def compact_number(value: int, language: str) -> str:
    """A large number as people say it: 40000000 -> '4000 万' / '40 million' (a space between
    the figure and a Chinese unit, as our catalogues write '{limit} 个')."""
    text = format_compact_decimal(value, format_type="long", locale=language, fraction_digits=1)
    return _DIGIT_BEFORE_CJK.sub(" ", text)


def counted(count: int, singular: str, plural: str) -> str:
    """'1 case', '2 cases': a count in the command line's English (the chat uses `t.n`)."""
    return f"{count} {singular if count == 1 else plural}"


def read_catalogue(language: str) -> Catalog:
    """All .po files of a language merged (one file per part of the bot keeps merges easy)."""
    merged = Catalog(locale=language, domain=DOMAIN)
    folder = LOCALES_DIR / language / "LC_MESSAGES"
    files = [entry for entry in folder.iterdir() if entry.name.endswith(".po")]
    for po_path in sorted(files, key=lambda entry: entry.name):
        with po_path.open("rb") as handle:
            for message in read_po(handle, locale=language):
                if message.id and message.string:
                    merged[message.id] = message
    return merged


@cache
def _catalogue(language: str) -> gettext.NullTranslations:
    catalog = read_catalogue(language)
    if not len(catalog):
        return gettext.NullTranslations()
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


class Translator:
    """`t("Hello, {name}", name=...)` in one language; plural forms through `t.n(...)`."""

    def __init__(self, language: str) -> None:
        self.language = language if language in SUPPORTED else DEFAULT
        self._tr = _catalogue(self.language)

    def __call__(self, message: str, /, **values: object) -> str:
        text = self._tr.gettext(message)
        return text.format(**values) if values else text

    def n(self, singular: str, plural: str, count: int, /, **values: object) -> str:
        text = self._tr.ngettext(singular, plural, count)
        return text.format(count=count, **values)


@cache
def translator(language: str) -> Translator:
    return Translator(language)


def reload() -> None:
    """Forget compiled catalogues (after editing a .po in tests or tools)."""
    _catalogue.cache_clear()
    translator.cache_clear()
