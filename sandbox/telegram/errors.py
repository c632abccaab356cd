"""The ways a Bot API call can fail, as values the emulator turns into Telegram's error bodies."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A call Telegram would refuse: HTTP status plus Telegram's own description."""

    def __init__(
        self, status: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(detail: str) -> ApiError:
    """400 "Bad Request: ..." the way Telegram words it."""
    return ApiError(400, f"Bad Request: {detail}")


def forbidden(detail: str) -> ApiError:
    return ApiError(403, f"Forbidden: {detail}")


class SimulatedTimeout(Exception):
    """An injected fault: the client should see no answer within its timeout.

    `delivered` says whether the call took effect before the answer was lost, as a real
    timed-out send sometimes does.
    """

    def __init__(self, delay: float, delivered: bool, disconnect: bool) -> None:
        super().__init__(f"simulated timeout after {delay}s (delivered={delivered})")
        self.delay = delay
        self.delivered = delivered
        self.disconnect = disconnect
