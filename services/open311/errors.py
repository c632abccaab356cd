"""The one way an Open311 call fails: the spec's error, an HTTP status and a description."""

from __future__ import annotations


class Open311Error(Exception):
    """GeoReport v2 answers an error as `[{"code": 400, "description": "..."}]` with the same
    HTTP status: 400 a missing or bad field, 403 a missing or bad api_key, 404 an unknown
    service_code, service_request_id or jurisdiction_id, 413 a body past the bound."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code, self.description = code, description

    def as_list(self) -> list[dict[str, object]]:
        return [{"code": self.code, "description": self.description}]
