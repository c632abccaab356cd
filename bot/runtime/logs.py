"""Logging for the bot process: one format, chatty libraries turned down, case numbers attached.

A log line written while an update or a job is about one case carries that case (`case` in
JSON, `[HZ-2026-000123]` in text): the entry point calls `bind_case`, every line below it
inherits the case through a context variable, so no call site has to repeat it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from services.settings import LoggingSettings

QUIET = ("httpx", "httpcore", "apscheduler", "aiosqlite")
_CASE: ContextVar[str | None] = ContextVar("gridpatrol_case", default=None)


def bind_case(case: str | int | None) -> None:
    """From here on in this task, log lines concern this case (a number, or an id)."""
    _CASE.set(None if case is None else str(case))


@contextmanager
def case_logged(case: str | int | None) -> Iterator[None]:
    """Log lines inside the block concern this case; the previous binding comes back after."""
    token = _CASE.set(None if case is None else str(case))
    try:
        yield
    finally:
        _CASE.reset(token)


class CaseFilter(logging.Filter):
    """Puts the bound case (or None) on every record as `record.case`."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "case"):
            record.case = _CASE.get()
        return True


class TextFormatter(logging.Formatter):
    """The plain format, with ` [case]` after the logger name when a case is bound."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(case_tag)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        case = getattr(record, "case", None)
        record.case_tag = f" [{case}]" if case else ""
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log collectors."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        case = getattr(record, "case", None)
        if case:
            entry["case"] = case
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(settings: LoggingSettings) -> None:
    """Configure the root logger once at start (the CLI calls it; tests do not)."""
    handler = logging.StreamHandler()
    handler.addFilter(CaseFilter())
    handler.setFormatter(JsonFormatter() if settings.json else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.level)
    for name in QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
