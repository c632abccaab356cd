"""What a conversation sees of a chat, whatever carries it: an `Inbound` (who, and what they sent
or pressed) in, an `Answer` (replies, the press's answer, edits) out. A channel's adapter
(bot/telegram/ for Telegram) turns its updates into Inbound and an Answer into its own calls, so
the conversations in handlers/ never see a platform's types.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.notices.card import Buttons

Fetch = Callable[[str], Awaitable[bytes]]  # a picture's bytes by the channel's reference
# (payload, for a group chat) -> the channel's link that opens the bot with that payload
DeepLink = Callable[[str, bool], str]


@dataclass(frozen=True)
class Picture:
    """An image in a message: the channel's reference to fetch it by, an id that stays the same
    when the same file is sent again, its size when the channel says, and the id the channel
    can send it on by (None for a file, which keeps its EXIF: only its display copy is sent)."""

    ref: str
    unique: str
    size: int | None = None
    resend: str | None = None


@dataclass(frozen=True)
class Pressed:
    """The message a pressed button is on: its id in the chat, whether its words are a photo's
    or file's caption (else text), and the data of every button on it."""

    message_id: str
    with_media: bool = False
    buttons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Who:
    """The person and the chat: ids as the channel gives them, and what it tells of the person."""

    channel: str
    user_id: str
    chat_id: str
    private: bool = True
    name: str = ""
    language_code: str | None = None


@dataclass(frozen=True)
class Located:
    """What a channel tells of a shared location besides its point: when it was taken, the
    message it came in, how long it is shared live (0: the live sharing stopped; None: a single
    location), the device's accuracy and heading, and whether it moves a live location shared
    before (Telegram: an edit of that message)."""

    at: datetime
    message_id: str
    live_period: int | None = None
    accuracy_m: float | None = None
    heading: int | None = None
    moved: bool = False


async def _no_fetch(ref: str) -> bytes:
    raise LookupError(f"this channel cannot fetch {ref!r}")


@dataclass(frozen=True)
class Inbound:
    """One thing a person did: sent a text, a picture, a location, something else (`other`:
    "sticker", "voice", "video", …), or pressed a button (`press`: the data it carries)."""

    who: Who
    text: str = ""
    caption: str = ""
    picture: Picture | None = None
    location: tuple[float, float] | None = None  # (lat, lon) in WGS-84: the adapter converts
    located: Located | None = None  # more of the location, when the channel tells it
    press: str | None = None
    pressed: Pressed | None = None  # the message the press was on, when the channel says
    forwarded: bool = False
    album: str | None = None  # the id that groups pictures sent together
    other: str | None = None
    fetch: Fetch = _no_fetch
    # What a conversation keeps about this chat in the process (not state: that is in the DB).
    memo: MutableMapping[str, Any] = field(default_factory=dict)

    @property
    def words(self) -> str:
        return self.text.strip()

    @property
    def command(self) -> str:
        """"/report" for "/report@bot x", "" when the text is not a command."""
        first = self.words.split(maxsplit=1)[0] if self.words else ""
        return first.split("@", 1)[0].lower() if first.startswith("/") else ""

    @property
    def args(self) -> list[str]:
        return self.words.split()[1:] if self.command else []


@dataclass(frozen=True)
class Key:
    """A key of the keyboard under the text field; `location` asks for the person's place."""

    label: str
    location: bool = False


@dataclass(frozen=True)
class Keyboard:
    """The keyboard under the text field (no rows: take it away)."""

    rows: tuple[tuple[Key, ...], ...] = ()
    once: bool = False  # hidden after one use
    persistent: bool = False  # shown even when the person types


REMOVE_KEYBOARD = Keyboard()


@dataclass(frozen=True)
class Attachment:
    """A file sent with a reply (the reply's text is its caption); `image` sends it as a photo."""

    data: bytes
    name: str
    image: bool = False


Sent = Callable[[str], Awaitable[None]]  # told the id of the message the channel sent


@dataclass(frozen=True)
class Reply:
    """One message: HTML text with either buttons on it or a keyboard under the field, maybe a
    file; `preview` lets the channel show a preview of its first link; `sent` is told the new
    message's id (to keep a card the bot can edit later)."""

    text: str
    buttons: Buttons = ()
    keyboard: Keyboard | None = None
    file: Attachment | None = None
    preview: bool = True
    sent: Sent | None = None

    def __post_init__(self) -> None:
        if self.buttons and self.keyboard is not None:
            raise ValueError("a message carries buttons or a keyboard, not both")


@dataclass(frozen=True)
class Later:
    """Replies to make after a quiet moment (one acknowledgement for an album): a later one
    with the same key replaces it."""

    key: str
    delay: float
    make: Callable[[], Awaitable[list[Reply]]]


@dataclass
class Answer:
    """What the channel does after the unit of work is committed."""

    replies: list[Reply] = field(default_factory=list)
    direct: list[Reply] = field(default_factory=list)  # in the person's private chat, after
    toast: str | None = None  # the press's answer (None: just stop the spinner)
    alert: bool = False  # the toast as an alert to close
    edit: Reply | None = None  # the pressed message redrawn (its words, in its form)
    strip_buttons: bool = False  # the pressed message's buttons taken off
    later: Later | None = None
    then: Callable[[], Awaitable[None]] | None = None  # work after the answer is given
