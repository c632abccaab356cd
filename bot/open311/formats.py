"""One answer in the two formats of GeoReport v2: JSON, or XML with the spec's element names
(`<services><service>`, `<service_requests><request>`, `<errors><error>`, …)."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

from aiohttp import web

FORMATS = ("json", "xml")
# The element of each item of a list: the list's own name in the spec, then the item's.
ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _fill(ET.SubElement(element, key), inner)
    elif isinstance(value, list):
        item = ITEMS.get(element.tag, "item")
        for inner in value:
            _fill(ET.SubElement(element, item), inner)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def to_xml(root: str, value: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, value)
    body: bytes = ET.tostring(element, encoding="unicode").encode("utf-8")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body


def answer(value: Any, fmt: str, root: str, status: int = 200) -> web.Response:
    """`value` as JSON, or as XML under the element `root`."""
    if fmt == "xml":
        return web.Response(body=to_xml(root, value), status=status,
                            content_type="text/xml", charset="utf-8")
    return web.Response(text=json.dumps(value, ensure_ascii=False), status=status,
                        content_type="application/json", charset="utf-8")


def split_format(tail: str) -> tuple[str, str] | None:
    """("HZ-2026-000001", "json") of "HZ-2026-000001.json"; None without a known format."""
    name, dot, fmt = tail.rpartition(".")
    if not dot or fmt not in FORMATS or not name:
        return None
    return name, fmt
