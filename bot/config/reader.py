"""Typed access to config.toml's tables: every mistake names the file, the key and the reason."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
T = TypeVar("T")


class ConfigError(Exception):
    """A configuration mistake, told as `file: key: reason`."""

    def __init__(self, source: Path | str, key: str, reason: str) -> None:
        super().__init__(f"{source}: {key}: {reason}")
        self.source = source
        self.key = key
        self.reason = reason


def parse_duration(text: str) -> timedelta:
    """'30s', '30m', '2h', '3d' -> timedelta; raises ValueError otherwise."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a duration like 30s, 30m, 2h or 3d")
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


class Reader:
    """Typed access to one TOML table, naming the key in every error."""

    def __init__(self, source: Path, table: Mapping[str, Any], prefix: str) -> None:
        self.source, self.table, self.prefix = source, table, prefix

    def fail(self, key: str, reason: str) -> ConfigError:
        return ConfigError(self.source, f"{self.prefix}{key}", reason)

    def get(self, key: str, kind: type[T], default: T) -> T:
        value = self.table.get(key, default)
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(key, f"expected {kind.__name__}, got {type(value).__name__}")
        return value

    def positive(self, key: str, kind: type[T], default: T) -> T:
        value = self.get(key, kind, default)
        if value <= 0:  # type: ignore[operator]
            raise self.fail(key, "must be greater than zero")
        return value

    def duration(self, key: str, default: str) -> timedelta:
        text = self.get(key, str, default)
        try:
            value = parse_duration(text)
        except ValueError as exc:
            raise self.fail(key, str(exc)) from None
        if value <= timedelta(0):
            raise self.fail(key, "must be longer than zero")
        return value

    def sub(self, key: str) -> Reader:
        value = self.table.get(key, {})
        if not isinstance(value, Mapping):
            raise self.fail(key, "expected a table")
        return Reader(self.source, value, f"{self.prefix}{key}.")


def check(reader: Reader, key: str, ok: bool, reason: str) -> None:
    if not ok:
        raise reader.fail(key, reason)

