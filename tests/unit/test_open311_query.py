"""GET /requests' filters and the spec's limits, and the answers' XML element names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

import pytest

from bot.open311 import to_xml
from services.open311 import Open311Error, read_query

NOW = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)


def refused(params: dict[str, str]) -> Open311Error:
    with pytest.raises(Open311Error) as caught:
        read_query(params, NOW)
    return caught.value


def test_without_dates_the_last_ninety_days_and_both_statuses() -> None:
    query = read_query({}, NOW)
    assert (query.start, query.end) == (NOW - timedelta(days=90), NOW)
    assert query.statuses == {"open", "closed"}


def test_ids_ask_for_those_requests_alone() -> None:
    query = read_query({"service_request_id": "HZ-2026-000001, HZ-2026-000002",
                        "status": "nonsense"}, NOW)
    assert query.numbers == ("HZ-2026-000001", "HZ-2026-000002")


def test_dates_are_w3c_and_span_at_most_ninety_days() -> None:
    query = read_query({"start_date": "2026-11-01T00:00:00+08:00", "status": "open",
                        "service_code": "garbage,sewage"}, NOW)
    assert query.start == datetime(2026, 10, 31, 16, tzinfo=UTC) and query.end == NOW
    assert query.codes == ("garbage", "sewage") and query.statuses == {"open"}
    assert refused({"start_date": "2026-01-01T00:00:00Z",
                    "end_date": "2026-06-01T00:00:00Z"}).code == 400
    assert refused({"start_date": "yesterday"}).code == 400
    assert refused({"end_date": "2026-01-01", "start_date": "2026-02-01"}).code == 400
    assert refused({"status": "pending"}).code == 400
    assert read_query({"start_date": "2027-01-01T00:00:00Z"}, NOW).end == datetime(
        2027, 1, 1, tzinfo=UTC)


def test_xml_uses_the_specs_element_names() -> None:
    root = ET.fromstring(to_xml("service_definition", {
        "service_code": "garbage",
        "attributes": [{"variable": True, "values": [{"key": "low", "name": "低"}]}]}))
    assert root.find("attributes/attribute/variable").text == "true"  # type: ignore[union-attr]
    assert root.find("attributes/attribute/values/value/name").text == "低"  # type: ignore[union-attr]
    errors = ET.fromstring(to_xml("errors", [{"code": 403, "description": "api_key"}]))
    assert errors.find("error/code").text == "403"  # type: ignore[union-attr]
    assert ET.fromstring(to_xml("service_requests", [{"zipcode": None}])).find(
        "request/zipcode").text is None  # type: ignore[union-attr]
