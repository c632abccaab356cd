"""Faults the WeCom stand-in injects, as the Telegram emulator's do (sandbox.telegram.faults):
the next calls fail the way WeCom and networks fail, so tests and the web chat's visitors can
see the bot cope."""

from __future__ import annotations

from dataclasses import dataclass

ERRCODES = {"busy": (-1, "system busy"), "rate_limited": (45009, "api freq out of limit"),
            "gone": (81013, "user & party & tag all invalid")}
FAULTS = ("busy", "rate_limited", "server_error", "timeout", "disconnect", "gone")


@dataclass
class Fault:
    """The next `remaining` calls (of `path`, to `user`; None: any but gettoken) fail as WeCom
    and networks fail: busy (-1), rate_limited (45009), server_error (HTTP 502), timeout (the
    answer withheld `delay` s; `delivered`: the message still went), disconnect (the
    connection dropped after the work, if `delivered`), gone (81013: not in the app)."""

    kind: str
    remaining: int = 1
    path: str | None = None
    user: str | None = None
    delay: float = 12.0
    delivered: bool = False

    def matches(self, path: str, users: list[str]) -> bool:
        return self.remaining > 0 and (self.path is None or self.path == path) and (
            self.user is None or self.user.lower() in users)
