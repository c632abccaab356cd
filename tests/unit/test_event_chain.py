"""The chain's one formula (models.chain): canonical JSON, times as stored, every field in the
hash, and rows chained in order per case as the sweep's bulk INSERTs need."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from models.chain import GENESIS, PhotoIndex, canonical, canonical_time, chain_values, event_hash

AT = datetime(2026, 11, 30, 2, 0, 0, 123456, tzinfo=UTC)


def test_canonical_json_sorts_keys_keeps_chinese_and_reads_as_json_does() -> None:
    assert canonical({"b": 1, "a": "水源", "c": (1, 2), 3: None}) == \
        '{"3":null,"a":"水源","b":1,"c":[1,2]}'.encode()


def test_a_time_is_naive_utc_with_microseconds_whatever_its_zone() -> None:
    shanghai = AT.astimezone(timezone(timedelta(hours=8)))
    assert canonical_time(shanghai) == canonical_time(AT.replace(tzinfo=None)) \
        == "2026-11-30T02:00:00.123456"
    assert canonical_time(AT.replace(microsecond=0)) == "2026-11-30T02:00:00.000000"


def test_every_field_changes_the_hash() -> None:
    base = event_hash(GENESIS, 1, 7, AT, "accepted", {"n": 1}, ["a" * 64])
    assert base == event_hash(GENESIS, 1, 7, AT.astimezone(timezone(timedelta(hours=8))),
                              "accepted", {"n": 1}, ["a" * 64])
    others = {
        event_hash("1" * 64, 1, 7, AT, "accepted", {"n": 1}, ["a" * 64]),
        event_hash(GENESIS, 2, 7, AT, "accepted", {"n": 1}, ["a" * 64]),
        event_hash(GENESIS, 1, None, AT, "accepted", {"n": 1}, ["a" * 64]),
        event_hash(GENESIS, 1, 7, AT + timedelta(microseconds=1), "accepted", {"n": 1},
                   ["a" * 64]),
        event_hash(GENESIS, 1, 7, AT, "rejected", {"n": 1}, ["a" * 64]),
        event_hash(GENESIS, 1, 7, AT, "accepted", {"n": 2}, ["a" * 64]),
        event_hash(GENESIS, 1, 7, AT, "accepted", {"n": 1}, ["b" * 64]),
    }
    assert base not in others and len(others) == 7


def test_rows_chain_per_case_from_the_heads_given() -> None:
    rows = [{"case_id": c, "actor_id": None, "kind": "reminded", "at": AT, "payload": {"n": n}}
            for c, n in ((1, 1), (2, 1), (1, 2))]
    chain_values(rows, {1: "f" * 64})
    assert rows[0]["prev_hash"] == "f" * 64 and rows[1]["prev_hash"] == GENESIS
    assert rows[2]["prev_hash"] == rows[0]["hash"]


def test_a_report_adds_its_case_report_photos_and_others_those_they_name() -> None:
    photos = PhotoIndex([(1, 5, "report", "a"), (2, 5, "after", "b"), (3, 6, "report", "c")])
    assert photos.hashes(5, "reported", {"photos": 1}) == ["a"]
    assert photos.hashes(5, "fix_claimed", {"photo_ids": [2, 4]}) == ["b", "missing"]
    assert photos.hashes(5, "accepted", {}) == []
