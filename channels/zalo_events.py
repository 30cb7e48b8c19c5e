"""Zalo OA webhook events → InboundMessage, per the chat-bot contract (channels.base).

User events become messages of kind text, postback, contact, location, image, file,
sticker or event. Echoes of the OA's own messages, delivery and "seen" receipts, reactions,
tags and group chats are not customer messages: they map to nothing (the webhook answers
200 so Zalo does not retry them). IDs and timestamps are JSON strings longer than 2^53:
they are never turned into floats.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import Any, Callable

import phonenumbers

from channels.base import BadPayload, ContactRef, InboundMessage
from channels.sms_common import DELIVERED, DeliveryReceipt

log = logging.getLogger(__name__)

#: A tapped button sends this prefix + {"d": data, "t": label} (see channels.zalo).
POSTBACK_PREFIX = "#cskh"
ATTACHMENT_KINDS = {"user_send_image": "image", "user_send_gif": "image",
                    "user_send_sticker": "sticker", "user_send_file": "file",
                    "user_send_audio": "file", "user_send_video": "file",
                    "user_send_business_card": "file"}
MAX_TEXT = 4000


def parse_event(body: bytes) -> list[InboundMessage]:
    """The customer message in one webhook body; [] for events that carry none."""
    try:
        event = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BadPayload("the body is not valid JSON") from None
    if not isinstance(event, dict):
        raise BadPayload("the body must be a JSON object")
    name = event.get("event_name")
    if not isinstance(name, str) or not name:
        raise BadPayload("event_name is missing")
    handler = _handler(name)
    if handler is None:
        log.info("zalo: ignored a %s event", name[:60])
        return []
    return [handler(_Event(name, event))]


def parse_receipt(body: bytes) -> DeliveryReceipt | None:
    """A `user_received_message` (a CS message or ZNS reached the phone) as a receipt."""
    try:
        event = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    message = event.get("message") if isinstance(event, dict) else None
    if event.get("event_name") != "user_received_message" or not isinstance(message, dict):
        return None
    msg_id, tracking = message.get("msg_id"), message.get("tracking_id")
    if not msg_id and not tracking:
        return None
    return DeliveryReceipt(external_id=str(msg_id)[:255] if msg_id else None, status=DELIVERED,
                           reference=str(tracking)[:60] if tracking else None)


class _Event:
    """Field access that names what is missing (BadPayload), over one event object."""

    def __init__(self, name: str, data: dict):
        self.name, self.data = name, data
        message = data.get("message")
        self.message = message if isinstance(message, dict) else {}

    @property
    def user_id(self) -> str:
        key = "follower" if self.name in ("follow", "unfollow") else "sender"
        party = self.data.get(key)
        user_id = party.get("id") if isinstance(party, dict) else None
        if not isinstance(user_id, (str, int)) or isinstance(user_id, bool) or not str(user_id):
            raise BadPayload(f"{key}.id is missing")
        return str(user_id)

    @property
    def received_at(self) -> datetime:
        try:
            millis = int(str(self.data.get("timestamp")))
            return datetime.fromtimestamp(millis / 1000, timezone.utc)
        except (TypeError, ValueError, OverflowError, OSError):
            raise BadPayload("timestamp is not a millisecond epoch") from None

    @property
    def external_id(self) -> str:
        msg_id = self.message.get("msg_id")
        if msg_id:
            return str(msg_id)[:255]
        return f"{self.name}:{self.data.get('timestamp')}:{self.user_id}"[:255]

    def inbound(self, kind: str, text: str = "", display_name: str | None = None,
                **meta: Any) -> InboundMessage:
        meta = {"provider": "zalo_oa", "event_name": self.name,
                "app_id": self.data.get("app_id"),
                "user_id_by_app": self.data.get("user_id_by_app"), **meta}
        text = (text or "").strip()[:MAX_TEXT]
        return InboundMessage(
            channel="zalo", external_id=self.external_id, received_at=self.received_at,
            sender=ContactRef("zalo", self.user_id, display_name), text=text, kind=kind,
            thread_hint=text or None, meta={k: v for k, v in meta.items() if v is not None})


def _text(event: _Event) -> InboundMessage:
    text = event.message.get("text")
    if not isinstance(text, str):
        raise BadPayload("message.text is missing")
    if text.startswith(POSTBACK_PREFIX + "{"):
        try:
            tapped = json.loads(text[len(POSTBACK_PREFIX):])
            return event.inbound("postback", str(tapped.get("t") or ""),
                                 payload=str(tapped["d"]))
        except (ValueError, KeyError, AttributeError):
            pass                          # typed by hand: an ordinary text
    return event.inbound("text", text)


def _attachment(event: _Event) -> InboundMessage:
    kind = ATTACHMENT_KINDS[event.name]
    items = [_attachment_meta(item) for item in _attachments(event)]
    urls = [item["url"] for item in items if item.get("url")]
    caption = event.message.get("text") if isinstance(event.message.get("text"), str) else ""
    return event.inbound(kind, caption or "\n".join(urls), attachments=items,
                         url=urls[0] if urls else None)


def _link(event: _Event) -> InboundMessage:
    urls = [_attachment_meta(item).get("url") for item in _attachments(event)]
    urls = [url for url in urls if url]
    text = event.message.get("text") if isinstance(event.message.get("text"), str) else ""
    return event.inbound("text", " ".join(filter(None, [text, *urls])),
                         url=urls[0] if urls else None)


def _location(event: _Event) -> InboundMessage:
    for item in _attachments(event):
        coordinates = (item.get("payload") or {}).get("coordinates") \
            if isinstance(item.get("payload"), dict) else None
        if isinstance(coordinates, dict):
            try:
                latitude = float(coordinates["latitude"])
                longitude = float(coordinates["longitude"])
            except (KeyError, TypeError, ValueError):
                break
            caption = event.message.get("text") if isinstance(event.message.get("text"),
                                                              str) else ""
            return event.inbound("location", caption or f"{latitude}, {longitude}",
                                 latitude=latitude, longitude=longitude)
    raise BadPayload("the location has no coordinates")


def _follow(event: _Event) -> InboundMessage:
    return event.inbound("event", event=event.name, source=event.data.get("source"))


def _submit_info(event: _Event) -> InboundMessage:
    """The "request user info" form: the sender's own phone (as Zalo knows it) and address."""
    info = event.data.get("info")
    if not isinstance(info, dict):
        raise BadPayload("info is missing")
    raw_phone = str(info.get("phone") or "").strip()
    phone = e164(raw_phone)
    name = str(info.get("name") or "").strip()[:200] or None
    address = _address(info)
    return event.inbound("contact", " — ".join(filter(None, [name, raw_phone, address])),
                         display_name=name, phone=phone, raw_phone=raw_phone or None,
                         is_own=True if phone else None, name=name, address=address)


def _attachments(event: _Event) -> list[dict]:
    items = event.message.get("attachments")
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _attachment_meta(item: dict) -> dict:
    payload = item.get("payload") if isinstance(item.get("payload"), dict) else {}
    meta = {"type": item.get("type"), "url": payload.get("url"),
            "thumbnail": payload.get("thumbnail"), "name": payload.get("name"),
            "size": payload.get("size"), "id": payload.get("id")}
    return {key: str(value) for key, value in meta.items() if value not in (None, "")}


def _address(info: dict) -> str | None:
    """Older forms send address/ward/district/city; newer ones a `full_address` object."""
    full = info.get("full_address") if isinstance(info.get("full_address"), dict) else {}
    parts = [info.get("address") or full.get("user_address"),
             info.get("ward") or full.get("user_ward"), info.get("district"),
             info.get("city") or full.get("user_city")]
    text = ", ".join(str(p).strip() for p in parts if p and str(p).strip())
    return text[:300] or None


def e164(raw: str) -> str | None:
    """Zalo's "84912345678" (or a national "0912…") as E.164; None if it is no phone number."""
    digits = "".join(ch for ch in raw if ch.isdigit() or ch == "+")
    if not digits:
        return None
    if digits.startswith("84"):
        digits = "+" + digits
    try:
        number = phonenumbers.parse(digits, "VN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _handler(name: str) -> Callable[[_Event], InboundMessage] | None:
    if name in ATTACHMENT_KINDS:
        return _attachment
    return {"user_send_text": _text, "user_send_link": _link,
            "user_send_location": _location, "follow": _follow, "unfollow": _follow,
            "user_submit_info": _submit_info}.get(name)
