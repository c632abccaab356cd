"""Read config.toml once into frozen settings; a bad file fails with its path, key and reason:
the typed reader (`reader`), the tables checked as a whole (`sections`), the file and the
environment (`load`)."""

from bot.config.load import (
    ENV_CONFIG,
    ENV_DATABASE_URL,
    ENV_TOKEN,
    ENV_WEBHOOK_SECRET,
    default_config_path,
    load_settings,
)
from bot.config.reader import ConfigError, parse_duration
from bot.config.sections import ENV_WECOM_AES_KEY, ENV_WECOM_SECRET

__all__ = [
    "ENV_CONFIG",
    "ENV_DATABASE_URL",
    "ENV_TOKEN",
    "ENV_WEBHOOK_SECRET",
    "ENV_WECOM_AES_KEY",
    "ENV_WECOM_SECRET",
    "ConfigError",
    "default_config_path",
    "load_settings",
    "parse_duration",
]
