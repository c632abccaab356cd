"""A bad config.toml fails at start naming the file, the key and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = (ROOT / "config.toml").read_text(encoding="utf-8")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def refused(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    return caught.value


def test_the_shipped_config_loads() -> None:
    settings = load_settings(ROOT / "config.toml")
    assert settings.locale.default == "zh_CN"
    assert settings.category("abnormal_water") is not None


def test_a_bad_duration_names_the_key_and_what_a_duration_looks_like(tmp_path: Path) -> None:
    path = write(tmp_path, SHIPPED.replace('high = "4h"', 'high = "four hours"', 1))
    error = refused(path)
    assert error.key == "deadlines.accept.high"
    assert str(error).startswith(f"{path}: deadlines.accept.high: ")
    assert "30m" in error.reason


def test_an_unknown_severity_names_the_category_entry(tmp_path: Path) -> None:
    path = write(tmp_path, SHIPPED.replace('severity = "high"', 'severity = "dire"', 1))
    error = refused(path)
    assert error.key == "categories[0].severity"
    assert "urgent" in error.reason


def test_missing_categories_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, SHIPPED.split("[[categories]]", 1)[0])
    error = refused(path)
    assert (error.key, str(error.source)) == ("categories", str(path))
    assert "at least one" in error.reason


def test_a_file_that_is_not_toml_is_refused_with_where_it_broke(tmp_path: Path) -> None:
    path = write(tmp_path, "[telegram\ntoken = 1\n")
    error = refused(path)
    assert str(error).startswith(f"{path}: -: not valid TOML")
    assert "line 1" in error.reason


def test_an_unknown_time_zone_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, SHIPPED.replace('timezone = "Asia/Shanghai"', 'timezone = "Mars/Base"'))
    error = refused(path)
    assert error.key == "locale.timezone"
    assert "Mars/Base" in error.reason


def test_a_missing_file_says_how_to_point_at_one(tmp_path: Path) -> None:
    error = refused(tmp_path / "absent.toml")
    assert "--config" in error.reason
