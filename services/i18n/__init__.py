"""Chinese and English for everything the bot says: gettext catalogues shipped inside this
package (locales/<language>/LC_MESSAGES/*.po), one translator per language."""

from services.i18n.catalogue import (
    DEFAULT,
    DOMAIN,
    LOCALES_DIR,
    N_,
    SUPPORTED,
    Translator,
    compact_number,
    counted,
    normalize,
    read_catalogue,
    reload,
    translator,
)

__all__ = [
    "DEFAULT",
    "DOMAIN",
    "LOCALES_DIR",
    "N_",
    "SUPPORTED",
    "Translator",
    "compact_number",
    "counted",
    "normalize",
    "read_catalogue",
    "reload",
    "translator",
]
