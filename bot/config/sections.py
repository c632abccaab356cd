"""The tables of config.toml that need more than a typed read: categories, deadlines, the WeCom
app, Open311, patrols, campaigns and documents, each checked as a whole."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.config.reader import ConfigError, Reader, check
from models import CaseSource, Severity, Stage
from services.grid import Datum
from services.settings import (
    CampaignSettings,
    Category,
    Deadlines,
    DocumentSettings,
    GroupAlerts,
    MapProvider,
    Open311Settings,
    PatrolRule,
    PatrolSettings,
    WeComSettings,
)

ENV_WECOM_SECRET = "GRIDPATROL_WECOM_SECRET"
ENV_WECOM_AES_KEY = "GRIDPATROL_WECOM_AES_KEY"
_AES_KEY = re.compile(r"[A-Za-z0-9]{43}")


def categories(source: Path, raw: Any) -> tuple[Category, ...]:
    if not isinstance(raw, list) or not raw:
        raise ConfigError(source, "categories", "at least one [[categories]] entry is needed")
    seen: set[str] = set()
    result = []
    for index, item in enumerate(raw):
        reader = Reader(source, item, f"categories[{index}].")
        code = reader.get("code", str, "")
        check(
            reader,
            "code",
            bool(re.fullmatch(r"[a-z0-9_]{1,24}", code)),
            "a code is 1-24 characters of a-z, 0-9 and _",
        )
        check(reader, "code", code not in seen, f"{code!r} appears twice")
        seen.add(code)
        severity = reader.get("severity", str, "medium")
        check(
            reader,
            "severity",
            severity in Severity.__members__.values(),
            f"one of {', '.join(Severity)}",
        )
        zh, en = reader.get("zh_CN", str, ""), reader.get("en", str, "")
        check(reader, "zh_CN", bool(zh), "a name is needed")
        check(reader, "en", bool(en), "a name is needed")
        result.append(
            Category(code, zh, en, Severity(severity), reader.get("emergency", bool, False))
        )
    return tuple(result)


def deadlines(root: Reader) -> Deadlines:
    section = root.sub("deadlines")
    table: dict[Stage, dict[Severity, timedelta]] = {}
    defaults = {Stage.ACCEPT: "1d", Stage.PLAN: "3d", Stage.RECTIFY: "14d", Stage.CHECK: "3d"}
    for stage in Stage:
        stage_reader = section.sub(stage.value)
        table[stage] = {sev: stage_reader.duration(sev.value, defaults[stage]) for sev in Severity}
    reminders = root.sub("reminders")
    raw = reminders.get("at", list, [0.5, 0.9])
    for value in raw:
        ok = isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 1
        check(reminders, "at", ok, "fractions between 0 and 1, such as [0.5, 0.9]")
    return Deadlines(table, tuple(sorted(float(v) for v in raw)))


def group_alerts(reader: Reader) -> GroupAlerts:
    value = reader.get("alerts", str, GroupAlerts.ALSO.value)
    check(reader, "alerts", value in {a.value for a in GroupAlerts}, "also or instead")
    return GroupAlerts(value)


def map_provider(reader: Reader) -> MapProvider:
    value = reader.get("provider", str, MapProvider.AUTO.value)
    check(reader, "provider", value in {p.value for p in MapProvider}, "auto, amap or osm")
    return MapProvider(value)


def wecom(reader: Reader) -> WeComSettings:
    """The [wecom] section: empty leaves WeCom off; a corp_id asks for everything else."""
    corp_id = reader.get("corp_id", str, "").strip()
    if not corp_id:
        return WeComSettings()
    datum = reader.get("datum", str, Datum.GCJ02.value)
    check(reader, "datum", datum in {d.value for d in Datum}, "gcj02 or wgs84")
    secret = os.environ.get(ENV_WECOM_SECRET) or reader.get("secret", str, "")
    aes_key = os.environ.get(ENV_WECOM_AES_KEY) or reader.get("encoding_aes_key", str, "")
    agent_id = reader.get("agent_id", int, 0)
    token = reader.get("token", str, "")
    path = reader.get("path", str, WeComSettings.path)
    check(reader, "agent_id", agent_id > 0, "the app's AgentId, a number (with corp_id)")
    check(reader, "token", bool(token), "the callback's Token (with corp_id)")
    check(reader, "secret", bool(secret), f"the app's Secret, or {ENV_WECOM_SECRET}")
    check(reader, "encoding_aes_key", bool(_AES_KEY.fullmatch(aes_key)),
           f"the callback's EncodingAESKey, 43 letters and digits, or {ENV_WECOM_AES_KEY}")
    check(reader, "path", path.startswith("/"), "a path beginning with /")
    return WeComSettings(
        corp_id=corp_id, agent_id=agent_id, token=token, secret=secret,
        encoding_aes_key=aes_key,
        api_base_url=reader.get("api_base_url", str, WeComSettings.api_base_url).rstrip("/"),
        listen=reader.get("listen", str, WeComSettings.listen),
        port=reader.positive("port", int, WeComSettings.port),
        path=path, datum=Datum(datum),
    )


def open311(reader: Reader) -> Open311Settings:
    port = reader.get("port", int, Open311Settings.port)
    check(reader, "port", 0 <= port <= 65535, "a TCP port, or 0 to leave the API off")
    origin = reader.get("origin", str, Open311Settings.origin)
    check(reader, "origin", origin in {CaseSource.PUBLIC.value, CaseSource.ASSIGNED.value},
           "public or assigned")
    return Open311Settings(
        port=port,
        listen=reader.get("listen", str, Open311Settings.listen),
        jurisdiction_id=reader.get("jurisdiction_id", str, Open311Settings.jurisdiction_id),
        origin=origin,
        max_body_bytes=reader.positive("max_body_bytes", int, Open311Settings.max_body_bytes),
        public_reads=reader.get("public_reads", bool, Open311Settings.public_reads),
    )


def patrols(reader: Reader) -> PatrolSettings:
    d, rules = PatrolSettings(), dict(PatrolSettings().rules)
    table = reader.sub("rules")
    for level in table.table:
        check(table, level, level in ("city", "county", "township", "village"),
               "a level: city, county, township or village")
        r, base = table.sub(level), rules[level]
        months = r.get("months", list, list(base.months))
        check(r, "months", bool(months) and all(
            isinstance(m, int) and not isinstance(m, bool) and 1 <= m <= 12 for m in months),
               "months 1-12, such as [3, 4, 5]")
        checkpoints = r.get("min_checkpoints", int, base.min_checkpoints)
        check(r, "min_checkpoints", checkpoints >= 0, "zero or more")
        rules[level] = PatrolRule(
            r.positive("min_minutes", float, float(base.min_minutes)),
            r.positive("min_km", float, base.min_km), checkpoints,
            r.duration("every", f"{base.every.days}d"), tuple(sorted(set(months))))
    return PatrolSettings(
        max_speed_mps=reader.positive("max_speed_mps", float, d.max_speed_mps),
        max_accuracy_m=reader.positive("max_accuracy_m", float, d.max_accuracy_m),
        gap=reader.duration("gap", "2m"), idle_close=reader.duration("idle_close", "15m"),
        remind_missed=reader.get("remind_missed", bool, d.remind_missed), rules=rules)


def campaigns(reader: Reader) -> CampaignSettings:
    raw = reader.get("remind_days", list, list(CampaignSettings.remind_days))
    ok = all(isinstance(v, int) and not isinstance(v, bool) and 0 < v <= 366 for v in raw)
    check(reader, "remind_days", ok, "whole days before the date, such as [7, 3, 1]")
    return CampaignSettings(remind_days=tuple(sorted(set(raw), reverse=True)))


def documents(reader: Reader) -> DocumentSettings:
    """A number template must hold {n}, may hold {year}, and nothing else in braces."""
    numbers: dict[str, str] = {}
    for key in ("order_number", "bulletin_number"):
        template = reader.get(key, str, getattr(DocumentSettings, key))
        try:
            sample = template.format(year=2026, n=1)
        except (KeyError, IndexError, ValueError):
            sample = ""
        check(reader, key, "{n}" in template and bool(sample),
               "a number like 湖水督〔{year}〕{n}号, with {n} and no other {...}")
        numbers[key] = template
    return DocumentSettings(
        issuing_body=reader.get("issuing_body", str, DocumentSettings.issuing_body),
        **numbers,
    )

