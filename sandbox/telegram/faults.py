"""Injected faults: the next N calls (optionally of one method) fail the way networks and
Telegram fail, so tests can prove the bot copes."""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.telegram.errors import ApiError, SimulatedTimeout

KINDS = ("retry_after", "server_error", "timeout", "disconnect", "blocked")


@dataclass
class Fault:
    kind: str
    remaining: int
    method: str | None = None  # None: any method except getUpdates
    retry_after: int = 5
    delay: float = 10.0  # timeout: how long the answer is withheld
    delivered: bool = False  # timeout/disconnect: whether the call took effect anyway
    chat_id: int | None = None  # None: a call about any chat

    def matches(self, method: str, chat_id: int | None = None) -> bool:
        if self.remaining <= 0:
            return False
        if self.chat_id is not None and chat_id != self.chat_id:
            return False
        if self.method is None:
            return method != "getUpdates"
        return self.method == method

    def error(self) -> ApiError | SimulatedTimeout:
        if self.kind == "retry_after":
            return ApiError(429, f"Too Many Requests: retry after {self.retry_after}",
                            {"retry_after": self.retry_after})
        if self.kind == "server_error":
            return ApiError(500, "Internal Server Error")
        if self.kind == "blocked":
            return ApiError(403, "Forbidden: bot was blocked by the user")
        return SimulatedTimeout(self.delay, self.delivered, self.kind == "disconnect")


class Faults:
    def __init__(self) -> None:
        self.pending: list[Fault] = []
        self.fired: list[tuple[str, str]] = []  # (method, kind), for tests to read

    def add(self, kind: str, *, count: int = 1, method: str | None = None,
            retry_after: int = 5, delay: float = 10.0, delivered: bool = False,
            chat_id: int | None = None) -> Fault:
        if kind not in KINDS:
            raise ValueError(f"unknown fault {kind!r}; one of {', '.join(KINDS)}")
        fault = Fault(kind, count, method, retry_after, delay, delivered, chat_id)
        self.pending.append(fault)
        return fault

    def take(self, method: str, chat_id: int | None = None) -> Fault | None:
        for fault in self.pending:
            if fault.matches(method, chat_id):
                fault.remaining -= 1
                self.fired.append((method, fault.kind))
                if fault.remaining <= 0:
                    self.pending.remove(fault)
                return fault
        return None

    def clear(self) -> None:
        self.pending.clear()
