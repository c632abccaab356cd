"""A bad config.toml fails at start naming the file, the key and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from services.settings import PhotoStoreKind

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


def test_an_unknown_photo_store_is_refused_naming_the_two(tmp_path: Path) -> None:
    path = write(tmp_path, SHIPPED.replace('photo_store = "files"', 'photo_store = "s3"'))
    error = refused(path)
    assert error.key == "storage.photo_store"
    assert error.reason == "files or database"


def test_the_photo_store_is_files_unless_the_database_is_asked_for(tmp_path: Path) -> None:
    assert load_settings(ROOT / "config.toml").photo_store == PhotoStoreKind.FILES
    path = write(tmp_path, SHIPPED.replace('photo_store = "files"', 'photo_store = "database"'))
    assert load_settings(path).photo_store == PhotoStoreKind.DATABASE


def test_a_missing_file_says_how_to_point_at_one(tmp_path: Path) -> None:
    error = refused(tmp_path / "absent.toml")
    assert "--config" in error.reason


AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"


def with_wecom(**keys: object) -> str:
    body = "".join(f"{k} = {v!r}\n".replace("'", '"') for k, v in keys.items())
    return SHIPPED.replace('corp_id = ""\n', body, 1)


def test_an_empty_corp_id_leaves_wecom_off_and_a_filled_one_reads_every_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not load_settings(ROOT / "config.toml").wecom.enabled
    monkeypatch.delenv("GRIDPATROL_WECOM_SECRET", raising=False)
    monkeypatch.setenv("GRIDPATROL_WECOM_AES_KEY", AES_KEY)
    text = with_wecom(corp_id="ww49f0ab532d5d035a").replace("agent_id = 0", "agent_id = 1000002")
    text = text.replace('token = ""                      # the callback', 'token = "123456" # the')
    text = text.replace('secret = ""                     # or', 'secret = "s3cret" # or')
    wecom = load_settings(write(tmp_path, text)).wecom
    assert wecom.enabled
    assert (wecom.corp_id, wecom.agent_id, wecom.token, wecom.secret) == (
        "ww49f0ab532d5d035a", 1000002, "123456", "s3cret")
    assert wecom.encoding_aes_key == AES_KEY  # from the environment
    assert (wecom.path, wecom.port, wecom.datum.value) == ("/wecom/callback", 8444, "gcj02")


@pytest.mark.parametrize(("key", "reason"), [
    ("wecom.agent_id", "AgentId"),
    ("wecom.token", "Token"),
    ("wecom.secret", "GRIDPATROL_WECOM_SECRET"),
])
def test_a_corp_id_without_the_rest_is_refused_naming_what_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key: str, reason: str
) -> None:
    monkeypatch.delenv("GRIDPATROL_WECOM_SECRET", raising=False)
    monkeypatch.setenv("GRIDPATROL_WECOM_AES_KEY", AES_KEY)
    text = with_wecom(corp_id="ww1")
    if key != "wecom.agent_id":
        text = text.replace("agent_id = 0", "agent_id = 7")
    if key == "wecom.secret":
        text = text.replace('token = ""                      # the callback', 'token = "t" #')
    error = refused(write(tmp_path, text))
    assert error.key == key and reason in error.reason


def test_a_wrong_aes_key_or_datum_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRIDPATROL_WECOM_SECRET", "s")
    monkeypatch.setenv("GRIDPATROL_WECOM_AES_KEY", AES_KEY[:-1])
    text = with_wecom(corp_id="ww1").replace("agent_id = 0", "agent_id = 7").replace(
        'token = ""                      # the callback', 'token = "t" #')
    assert refused(write(tmp_path, text)).key == "wecom.encoding_aes_key"
    monkeypatch.setenv("GRIDPATROL_WECOM_AES_KEY", AES_KEY)
    error = refused(write(tmp_path, text.replace('datum = "gcj02"', 'datum = "bd09"')))
    assert error.key == "wecom.datum" and "gcj02" in error.reason


def test_a_document_number_without_its_count_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, SHIPPED.replace('"湖水督〔{year}〕{n}号"', '"湖水督〔{year}〕号"', 1))
    assert refused(path).key == "documents.order_number"
    path = write(tmp_path, SHIPPED.replace('"{year}年第{n}期"', '"{yr}年第{n}期"', 1))
    assert refused(path).key == "documents.bulletin_number"
    assert load_settings(ROOT / "config.toml").documents.order_number == "湖水督〔{year}〕{n}号"


def test_campaign_reminder_days_are_whole_days_before_the_date(tmp_path: Path) -> None:
    assert load_settings(ROOT / "config.toml").campaigns.remind_days == (7, 3, 1)
    path = write(tmp_path, SHIPPED.replace("remind_days = [7, 3, 1]", "remind_days = [3, 0.5]"))
    error = refused(path)
    assert error.key == "campaigns.remind_days" and "whole days" in error.reason
    path = write(tmp_path, SHIPPED.replace("remind_days = [7, 3, 1]", "remind_days = []"))
    assert load_settings(path).campaigns.remind_days == ()


def test_open311_is_off_until_a_port_is_set_and_its_origin_is_public_or_assigned(
    tmp_path: Path,
) -> None:
    shipped = load_settings(ROOT / "config.toml").open311
    assert not shipped.enabled and shipped.listen == "127.0.0.1" and shipped.origin == "public"
    assert shipped.max_body_bytes == 65536 and not shipped.public_reads
    on = load_settings(write(tmp_path, SHIPPED.replace(
        '[open311]\nport = 0', '[open311]\nport = 8311', 1).replace(
        'origin = "public"', 'origin = "assigned"', 1))).open311
    assert on.enabled and on.port == 8311 and on.origin == "assigned"
    error = refused(write(tmp_path, SHIPPED.replace('origin = "public"', 'origin = "self"', 1)))
    assert error.key == "open311.origin" and "public or assigned" in error.reason
    error = refused(write(tmp_path, SHIPPED.replace('[open311]\nport = 0',
                                                    '[open311]\nport = 70000', 1)))
    assert error.key == "open311.port"


def test_patrol_rules_are_read_per_level_and_checked(tmp_path: Path) -> None:
    patrols = load_settings(ROOT / "config.toml").patrols
    village = patrols.rule("village")
    assert (village.min_minutes, village.min_km, village.every.days) == (30, 2.0, 7)
    assert village.months == tuple(range(3, 13)) and patrols.max_speed_mps == 30
    assert patrols.idle_close.total_seconds() == 900
    assert patrols.remind_missed
    assert patrols.rule("township").min_km == 1.0
    path = write(tmp_path, SHIPPED.replace("max_speed_mps = 30", "max_speed_mps = 0"))
    assert refused(path).key == "patrols.max_speed_mps"
    path = write(tmp_path, SHIPPED.replace("months = [3, 4, 5,", "months = [0, 4, 5,"))
    error = refused(path)
    assert error.key == "patrols.rules.village.months" and "1-12" in error.reason
    path = write(tmp_path, SHIPPED.replace("[patrols.rules.city]", "[patrols.rules.town]"))
    assert refused(path).key == "patrols.rules.town"
    path = write(tmp_path, SHIPPED.replace('idle_close = "15m"', 'idle_close = "soon"'))
    assert refused(path).key == "patrols.idle_close"
