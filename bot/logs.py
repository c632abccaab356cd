"""Logging for the bot process: one format, chatty libraries turned down."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from services.settings import LoggingSettings

QUIET = ("httpx", "httpcore", "apscheduler", "aiosqlite")


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log collectors."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(settings: LoggingSettings) -> None:
    """Configure the root logger once at start (the CLI calls it; tests do not)."""
    handler = logging.StreamHandler()
    if settings.json:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.level)
    for name in QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
