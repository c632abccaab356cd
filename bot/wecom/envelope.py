"""What WeCom posts to the callback, opened with care: the URL is open to the internet, so the
XML is parsed with no DTD, entities or external references (defusedxml), the body is bounded,
the signature and the timestamp are checked before anything is decrypted (wechatpy's crypto),
and the decrypted message must name our corp and our app. Anything else is a `Refused` that
changes nothing."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from wechatpy.enterprise.crypto import WeChatCrypto
from wechatpy.enterprise.exceptions import InvalidCorpIdException
from wechatpy.exceptions import InvalidSignatureException

from services.settings import WeComSettings

MAX_BODY = 64 * 1024  # WeCom's envelopes are a few kB; a card event with choices is the largest
MAX_SKEW_SECONDS = 300  # a signed request older (or newer) than this is a replay, not a retry
Message = dict[str, Any]


class Refused(Exception):
    """A request the callback will not act on: the HTTP status and why (for the log)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def parse_xml(data: bytes | str) -> Message:
    """A WeCom XML document as a dict of its elements' text; `SelectedItems` of a card event
    as a list of {QuestionKey, OptionIds: [...]}, however many there are."""
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, ParseError, ValueError) as exc:
        raise Refused(400, f"not acceptable XML: {exc}") from None
    if root.tag != "xml":
        raise Refused(400, f"the document is <{root.tag}>, not <xml>")
    message: Message = {}
    for child in root:
        if child.tag == "SelectedItems":
            message["SelectedItems"] = [_selected(item) for item in child]
        elif len(child):
            message[child.tag] = {sub.tag: (sub.text or "") for sub in child}
        else:
            message[child.tag] = (child.text or "").strip()
    return message


def _selected(item: Element) -> dict[str, Any]:
    options = item.find("OptionIds")
    return {
        "QuestionKey": (item.findtext("QuestionKey") or "").strip(),
        "OptionIds": [(o.text or "").strip() for o in options] if options is not None else [],
    }


class Envelope:
    """The app's callback secrets, and the checks every request passes."""

    def __init__(self, settings: WeComSettings, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.crypto = WeChatCrypto(settings.token, settings.encoding_aes_key, settings.corp_id)
        self.clock = clock

    def _signed(self, query: Mapping[str, str]) -> tuple[str, str, str]:
        signature, timestamp, nonce = (query.get(k, "") for k in
                                       ("msg_signature", "timestamp", "nonce"))
        if not (signature and timestamp.isdigit() and nonce):
            raise Refused(403, "msg_signature, timestamp and nonce are required")
        if abs(self.clock() - int(timestamp)) > MAX_SKEW_SECONDS:
            raise Refused(403, f"timestamp {timestamp} is too far from now")
        return signature, timestamp, nonce

    def verify_url(self, query: Mapping[str, str]) -> str:
        """The GET the admin console sends when the URL is saved: the decrypted echostr."""
        signature, timestamp, nonce = self._signed(query)
        echo = query.get("echostr", "")
        return _opened("echostr", lambda: self.crypto.check_signature(
            signature, timestamp, nonce, echo))

    def open(self, query: Mapping[str, str], body: bytes) -> Message:
        """A POSTed message or event, decrypted and checked to be our corp's and our app's."""
        if len(body) > MAX_BODY:
            raise Refused(413, f"body over {MAX_BODY} bytes")
        signature, timestamp, nonce = self._signed(query)
        outer = parse_xml(body)
        encrypted = outer.get("Encrypt")
        if not isinstance(encrypted, str) or not encrypted:
            raise Refused(400, "no Encrypt element")
        to = outer.get("ToUserName")
        if to and to != self.settings.corp_id:
            raise Refused(403, f"addressed to corp {to!r}")
        message = parse_xml(_opened("Encrypt", lambda: self.crypto.decrypt_message(
            {"Encrypt": encrypted}, signature, timestamp, nonce)))
        agent = message.get("AgentID", "")
        if agent and agent != str(self.settings.agent_id):
            raise Refused(403, f"for app {agent!r}, not ours")
        if not message.get("FromUserName") or not message.get("MsgType"):
            raise Refused(400, "a message without FromUserName or MsgType")
        return message


def _opened(what: str, decrypt: Callable[[], object]) -> str:
    """wechatpy's check and decryption, with their failures as refusals."""
    try:
        return str(decrypt())
    except InvalidSignatureException:
        raise Refused(403, "wrong signature") from None
    except InvalidCorpIdException:
        raise Refused(403, f"{what} was sealed for another corp") from None
    except Exception as exc:  # a forged value breaks the base64, the padding or the UTF-8
        raise Refused(400, f"{what} does not decrypt: {type(exc).__name__}") from None


def delivery_key(message: Message) -> int:
    """The inbox key of a message, the same on every retry: its MsgId; an event has none, so a
    negative number from who, when and what (WeCom's own advice for telling retries apart)."""
    msg_id = str(message.get("MsgId", ""))
    if msg_id.isdigit() and int(msg_id) < 2**63:
        return int(msg_id)
    parts = [str(message.get(k, "")) for k in
             ("FromUserName", "CreateTime", "MsgType", "Event", "EventKey", "TaskId")]
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return -(int.from_bytes(digest[:8], "big") & (2**63 - 1)) - 1
